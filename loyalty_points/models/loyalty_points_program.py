# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import math

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round


class LoyaltyPointsProgram(models.Model):
    _name = "loyalty.points.program"
    _description = "Loyalty Points Program"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    state = fields.Selection(
        [("off", "Off"), ("test", "Test"), ("on", "On")],
        string="Status",
        default="off",
        required=True,
        tracking=True,
        help="Off: nothing accrues. Test: points accrue and staff see them, "
        "customers see nothing and cannot redeem. On: everything.",
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.company,
        help="The centres of the program: points earned in any of them can be "
        "spent in all of them.",
    )
    date_start = fields.Date(
        string="Start Date",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Sales before this date never earn points.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )

    # Earning
    rate_type = fields.Selection(
        [
            ("per_currency", "Points per amount spent"),
            ("per_step", "Points per step of spending"),
            ("percentage", "Percentage back"),
        ],
        string="Earning Rate",
        default="per_currency",
        required=True,
        tracking=True,
        help="Points per amount spent: e.g. 2 points per 1.00. "
        "Points per step: e.g. 1 point per 10.00, the remainder earns nothing. "
        "Percentage back: e.g. 5 % of the amount, converted at the point value.",
    )
    rate = fields.Float(
        string="Points per 1.00",
        default=1.0,
        digits=(16, 4),
        tracking=True,
    )
    step_amount = fields.Monetary(
        string="Step",
        default=10.0,
        tracking=True,
        help="Spending needed for one step.",
    )
    step_points = fields.Float(
        string="Points per Step",
        default=1.0,
        digits="Loyalty Points",
        tracking=True,
    )
    percentage = fields.Float(
        string="Percentage Back",
        default=5.0,
        digits=(16, 4),
        tracking=True,
    )
    multiplier = fields.Float(
        default=1.0,
        digits=(16, 4),
        tracking=True,
        help="Applied on top of the rate, e.g. 2 during a double-points promotion.",
    )
    mode = fields.Selection(
        [("transaction", "Per transaction"), ("cumulative", "Cumulative spend")],
        default="transaction",
        required=True,
        tracking=True,
        help="Per transaction: each ticket earns on its own and its remainder is "
        "lost. Cumulative spend: the customer's spend adds up and each ticket earns "
        "what the new total gives minus what was already awarded.",
    )
    min_amount = fields.Monetary(
        string="Minimum Ticket Amount",
        tracking=True,
        help="Tickets below this amount earn nothing.",
    )
    amount_basis = fields.Selection(
        [("untaxed", "Untaxed amount"), ("taxed", "Tax included")],
        string="Earn On",
        default="untaxed",
        required=True,
        tracking=True,
        help="Points are always computed on the discounted amount of each line.",
    )
    points_rounding = fields.Float(
        default=1.0,
        digits="Loyalty Points",
        help="1 awards whole points; 0.01 awards hundredths.",
    )
    rounding_method = fields.Selection(
        [("DOWN", "Down"), ("HALF-UP", "Nearest"), ("UP", "Up")],
        default="DOWN",
        required=True,
    )
    enrolled_only = fields.Boolean(
        string="Only Enrolled Customers Earn",
        tracking=True,
        help="When set, only customers marked as enrolled earn points.",
    )

    # Holding and spending
    point_value = fields.Monetary(
        default=0.01,
        currency_field="currency_id",
        tracking=True,
        help="What one point is worth when it pays for a purchase.",
    )
    pending_hours = fields.Integer(
        default=0,
        tracking=True,
        help="Hours before earned points can be spent (e.g. 24 against fraud).",
    )
    expiry_days = fields.Integer(
        default=365,
        tracking=True,
        help="Days after which earned points expire; 0 means they never expire.",
    )

    _sql_constraints = [
        ("rate_positive", "CHECK(rate > 0)", "The points per 1.00 must be positive."),
        ("step_positive", "CHECK(step_amount > 0)", "The step must be positive."),
        (
            "step_points_positive",
            "CHECK(step_points > 0)",
            "The points per step must be positive.",
        ),
        (
            "percentage_positive",
            "CHECK(percentage > 0)",
            "The percentage back must be positive.",
        ),
        (
            "multiplier_positive",
            "CHECK(multiplier > 0)",
            "The multiplier must be positive.",
        ),
        (
            "point_value_positive",
            "CHECK(point_value > 0)",
            "The point value must be positive.",
        ),
        (
            "min_amount_positive",
            "CHECK(min_amount >= 0)",
            "The minimum cannot be negative.",
        ),
        (
            "pending_positive",
            "CHECK(pending_hours >= 0)",
            "Pending hours cannot be negative.",
        ),
        (
            "expiry_positive",
            "CHECK(expiry_days >= 0)",
            "Expiry days cannot be negative.",
        ),
        (
            "rounding_positive",
            "CHECK(points_rounding > 0)",
            "The points rounding must be positive.",
        ),
    ]

    @api.constrains(
        "rate",
        "step_amount",
        "step_points",
        "percentage",
        "multiplier",
        "point_value",
        "min_amount",
        "pending_hours",
        "expiry_days",
        "points_rounding",
    )
    def _check_numbers(self):
        """Say which setting is wrong before the database refuses it."""
        checks = [
            ("rate", _("The points per 1.00 must be greater than zero.")),
            ("step_amount", _("The spending step must be greater than zero.")),
            ("step_points", _("The points per step must be greater than zero.")),
            ("percentage", _("The percentage back must be greater than zero.")),
            ("multiplier", _("The multiplier must be greater than zero.")),
            ("point_value", _("The point value must be greater than zero.")),
            ("points_rounding", _("The points rounding must be greater than zero.")),
        ]
        for program in self:
            for field, message in checks:
                if program[field] <= 0:
                    raise ValidationError(
                        _(
                            "%(program)s: %(message)s",
                            program=program.name,
                            message=message,
                        )
                    )
            if program.min_amount < 0:
                raise ValidationError(
                    _(
                        "%(program)s: the minimum ticket amount cannot be negative.",
                        program=program.name,
                    )
                )
            if program.pending_hours < 0 or program.expiry_days < 0:
                raise ValidationError(
                    _(
                        "%(program)s: pending hours and expiry days cannot be "
                        "negative; "
                        "use 0 for no pending period or no expiry.",
                        program=program.name,
                    )
                )

    @api.constrains("company_ids", "active")
    def _check_one_program_per_company(self):
        for program in self.filtered("active"):
            clash = self.search(
                [
                    ("id", "!=", program.id),
                    ("company_ids", "in", program.company_ids.ids),
                ],
                limit=1,
            )
            if clash:
                raise ValidationError(
                    _(
                        "%(company)s is already covered by the program %(other)s: a "
                        "company takes part in one active program. Archive one of "
                        "them or remove the company from it.",
                        company=", ".join(
                            (clash.company_ids & program.company_ids).mapped("name")
                        ),
                        other=clash.name,
                    )
                )

    # ------------------------------------------------------------------ lookups
    @api.model
    def _program_for_company(self, company=None):
        """The active program covering ``company`` (the current company by default)."""
        company = company or self.env.company
        return self.sudo().search([("company_ids", "in", company.id)], limit=1)

    # ------------------------------------------------------------------ arithmetic
    def _round_points(self, points):
        self.ensure_one()
        return float_round(
            points,
            precision_rounding=self.points_rounding,
            rounding_method=self.rounding_method,
        )

    def _points_for_basis(self, amount):
        """Points the program's rate gives for ``amount`` (program currency), before
        the multiplier and rounding. A step rate drops the remainder."""
        self.ensure_one()
        if self.rate_type == "per_step":
            return math.floor(round(amount / self.step_amount, 6)) * self.step_points
        if self.rate_type == "percentage":
            return amount * self.percentage / 100.0 / self.point_value
        return amount * self.rate

    def _cumulative_points(self, basis_before, basis_delta):
        """Points that moving a customer's total spend from ``basis_before`` by
        ``basis_delta`` awards: what the new total gives minus what the old one gave.
        Steps (and rounding remainders) carry over between tickets."""
        self.ensure_one()
        before = self._round_points(self._points_for_basis(basis_before))
        after = self._round_points(self._points_for_basis(basis_before + basis_delta))
        return self._round_points((after - before) * self.multiplier)
