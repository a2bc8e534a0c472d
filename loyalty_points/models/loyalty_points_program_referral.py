# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class LoyaltyPointsProgram(models.Model):
    _inherit = "loyalty.points.program"

    referral_points = fields.Float(
        digits="Loyalty Points",
        default=0.0,
        tracking=True,
        help="Points a customer earns when a customer they referred pays a first "
        "ticket that earns points; once per referred customer. 0: referrals earn "
        "nothing.",
    )

    _sql_constraints = [
        (
            "referral_points_positive",
            "CHECK(referral_points >= 0)",
            "The referral points cannot be negative.",
        ),
    ]

    @api.constrains("referral_points")
    def _check_referral_points(self):
        for program in self:
            if program.referral_points < 0:
                raise ValidationError(
                    _(
                        "%(program)s: the referral points cannot be negative; use 0 "
                        "for no referral reward.",
                        program=program.name,
                    )
                )
