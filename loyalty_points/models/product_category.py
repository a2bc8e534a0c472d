# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from .loyalty_points_rule_mixin import RULES


class ProductCategory(models.Model):
    _name = "product.category"
    _inherit = ["product.category", "loyalty.points.rule.mixin"]

    loyalty_points_rule = fields.Selection(
        [("parent", "As parent category")] + RULES,
        string="Loyalty Points",
        default="parent",
        required=True,
        help="Eligible: the program's rate. Excluded: earns nothing. Custom rate: "
        "points per 1.00 of this category. Fixed: points per unit sold. A category "
        "without a parent that says 'As parent category' is eligible.",
    )
