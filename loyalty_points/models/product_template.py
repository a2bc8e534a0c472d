# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, fields, models

from .loyalty_points_rule_mixin import RULES


class ProductTemplate(models.Model):
    _name = "product.template"
    _inherit = ["product.template", "loyalty.points.rule.mixin"]

    loyalty_points_rule = fields.Selection(
        [("category", "As its category")] + RULES,
        string="Loyalty Points",
        default="category",
        required=True,
        help="Eligible: the program's rate. Excluded: earns nothing (e.g. sensitive "
        "services). Custom rate: points per 1.00 of this product. Fixed: points per "
        "unit sold.",
    )

    def action_loyalty_points_exclude(self):
        """Bulk action: the selected products earn no points from now on."""
        self.write({"loyalty_points_rule": "excluded"})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "%(count)s products no longer earn loyalty points.", count=len(self)
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
