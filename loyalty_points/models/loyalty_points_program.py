# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


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

    @api.model
    def _program_for_company(self, company=None):
        """The active program covering ``company`` (the current company by default)."""
        company = company or self.env.company
        return self.search([("company_ids", "in", company.id)], limit=1)
