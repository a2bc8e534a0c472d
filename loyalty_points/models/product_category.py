# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

RULES = [
    ("eligible", "Eligible"),
    ("excluded", "Excluded"),
    ("custom_rate", "Custom rate"),
    ("fixed", "Fixed points per unit"),
]


class ProductCategory(models.Model):
    _inherit = "product.category"

    loyalty_points_rule = fields.Selection(
        [("parent", "As parent category")] + RULES,
        string="Loyalty Points",
        default="parent",
        required=True,
        help="Eligible: the program's rate. Excluded: earns nothing. Custom rate: "
        "points per 1.00 of this category. Fixed: points per unit sold. A category "
        "without a parent that says 'As parent category' is eligible.",
    )
    loyalty_points_rate = fields.Float(string="Points per 1.00", digits=(16, 4))
    loyalty_points_fixed = fields.Float(
        string="Points per Unit", digits="Loyalty Points"
    )

    @api.constrains(
        "loyalty_points_rule", "loyalty_points_rate", "loyalty_points_fixed"
    )
    def _check_loyalty_points_rule(self):
        for record in self:
            _check_rule_numbers(record)

    def _loyalty_points_rule(self):
        """(rule, rate, fixed) that applies to products of this category."""
        self.ensure_one()
        category = self
        while category.loyalty_points_rule == "parent" and category.parent_id:
            category = category.parent_id
        if category.loyalty_points_rule == "parent":
            return ("eligible", 0.0, 0.0)
        return (
            category.loyalty_points_rule,
            category.loyalty_points_rate,
            category.loyalty_points_fixed,
        )


def _check_rule_numbers(record):
    if record.loyalty_points_rule == "custom_rate" and record.loyalty_points_rate <= 0:
        raise ValidationError(
            _(
                "%(name)s: a custom loyalty rate must be greater than zero; choose "
                "'Excluded' to earn nothing.",
                name=record.display_name,
            )
        )
    if record.loyalty_points_rule == "fixed" and record.loyalty_points_fixed <= 0:
        raise ValidationError(
            _(
                "%(name)s: fixed points per unit must be greater than zero; choose "
                "'Excluded' to earn nothing.",
                name=record.display_name,
            )
        )
