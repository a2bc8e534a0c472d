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


class LoyaltyPointsRuleMixin(models.AbstractModel):
    """What a product or a category earns: its ``loyalty_points_rule`` (each model
    adds its own 'follow the parent' option), a custom rate or fixed points."""

    _name = "loyalty.points.rule.mixin"
    _description = "Loyalty Points Earning Rule"

    # Writing these changes what products earn (product.product._loyalty_points_rule_of)
    _loyalty_points_rule_fields = {
        "loyalty_points_rule",
        "loyalty_points_rate",
        "loyalty_points_fixed",
        "categ_id",
        "parent_id",
    }

    loyalty_points_rate = fields.Float(string="Points per 1.00", digits=(16, 4))
    loyalty_points_fixed = fields.Float(
        string="Points per Unit", digits="Loyalty Points"
    )

    @api.constrains(
        "loyalty_points_rule", "loyalty_points_rate", "loyalty_points_fixed"
    )
    def _check_loyalty_points_rule(self):
        for record in self:
            if (
                record.loyalty_points_rule == "custom_rate"
                and record.loyalty_points_rate <= 0
            ):
                raise ValidationError(
                    _(
                        "%(name)s: a custom loyalty rate must be greater than zero; "
                        "choose 'Excluded' to earn nothing.",
                        name=record.display_name,
                    )
                )
            if (
                record.loyalty_points_rule == "fixed"
                and record.loyalty_points_fixed <= 0
            ):
                raise ValidationError(
                    _(
                        "%(name)s: fixed points per unit must be greater than zero; "
                        "choose 'Excluded' to earn nothing.",
                        name=record.display_name,
                    )
                )

    def write(self, vals):
        res = super().write(vals)
        if self._loyalty_points_rule_fields.intersection(vals):
            # What products earn is cached (product.product._loyalty_points_rule_of).
            self.env.registry.clear_cache()
        return res
