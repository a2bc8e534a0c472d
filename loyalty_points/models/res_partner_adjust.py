# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


# A file of its own so that the adjustments (wizards/) and the partner balances
# (res_partner.py) can be changed independently.
class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    def action_loyalty_points_adjust(self):
        """The grant-or-deduct wizard for this customer (its commercial entity)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_points.loyalty_points_adjust_wizard_action"
        )
        action["context"] = {
            "default_partner_id": self.commercial_partner_id.id,
        }
        return action
