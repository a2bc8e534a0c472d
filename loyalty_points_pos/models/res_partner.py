# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _load_pos_data_fields(self, config_id):
        # Computed for the whole list in one query (loyalty_points_available is
        # the one rule of what can be spent); the ledger is never loaded.
        return [
            *super()._load_pos_data_fields(config_id),
            "loyalty_points_available",
            "loyalty_points_value",
        ]

    def loyalty_points_pos_balance(self, config_id):
        """What the till shows for the selected customer, read now: the program's
        status and rules, and the customer's available points and their worth."""
        self.ensure_one()
        config = self.env["pos.config"].browse(config_id)
        # sudo: cashiers have no right on programs; they read only these figures.
        program = (
            self.env["loyalty.points.program"]
            .sudo()
            ._program_for_company(config.company_id)
        )
        if not program:
            return {"program": False}
        partner = self.commercial_partner_id.with_company(config.company_id)
        _balance, pending, available = partner._loyalty_points_amounts(program).get(
            partner.id, (0.0, 0.0, 0.0)
        )
        return {
            "program": program.id,
            "state": program.state,
            "available": available,
            "pending": pending,
            "value": max(available, 0.0) * program.point_value,
            "point_value": program.point_value,
            "min_redemption": program.min_redemption,
            "pending_hours": program.pending_hours,
        }
