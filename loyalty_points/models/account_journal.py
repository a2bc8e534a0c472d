# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class AccountJournal(models.Model):
    _inherit = "account.journal"

    loyalty_points_earn = fields.Boolean(
        string="Payments Earn Loyalty Points",
        default=True,
        help="Only the share of an invoice paid through journals that earn gives "
        "loyalty points. Untick it, e.g., for card payments that should not earn.",
    )
    loyalty_points_journal = fields.Boolean(
        readonly=True,
        help="Payments in this journal are paid with the customer's points; they "
        "never earn points.",
    )
