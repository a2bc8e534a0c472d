# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, _, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    loyalty_points_journal_id = fields.Many2one(
        "account.journal",
        help="The payment journal in which customers pay with points.",
    )
    loyalty_points_liability_account_id = fields.Many2one(
        "account.account",
        string="Loyalty Points Liability",
        help="What the company owes in outstanding points.",
    )
    loyalty_points_expense_account_id = fields.Many2one(
        "account.account",
        string="Loyalty Points Expense",
        help="The cost of the points customers earn.",
    )
    loyalty_points_income_account_id = fields.Many2one(
        "account.account",
        string="Loyalty Points Breakage",
        help="Income released when points expire unspent.",
    )
    loyalty_points_mail_after_payment = fields.Boolean(
        string="E-mail the Customer After a Points Payment",
        help="Send the customer the points used and the balance left after each "
        "payment with points.",
    )

    def _loyalty_points_setup_accounting(self):
        """Create the company's points accounts and payment journal: a liability
        ("Loyalty points") that points payments debit, an expense for the points
        customers earn and an income for the points that expire."""
        self.ensure_one()
        Account = self.env["account.account"].with_company(self).sudo()

        def new_account(name, account_type):
            sample = Account.search(
                [
                    ("company_ids", "in", self.id),
                    ("account_type", "=", account_type),
                ],
                order="code desc",
                limit=1,
            )
            return Account.create(
                {
                    "name": name,
                    "code": Account._search_new_account_code(sample.code or "999000"),
                    "account_type": account_type,
                    "company_ids": [Command.set(self.ids)],
                }
            )

        liability = self.loyalty_points_liability_account_id or new_account(
            _("Loyalty points"), "liability_current"
        )
        expense = self.loyalty_points_expense_account_id or new_account(
            _("Loyalty points expense"), "expense"
        )
        income = self.loyalty_points_income_account_id or new_account(
            _("Loyalty points breakage"), "income_other"
        )
        Journal = self.env["account.journal"].with_company(self).sudo()
        code = "LOYP"
        suffix = 1
        while Journal.search_count([("code", "=", code), ("company_id", "=", self.id)]):
            suffix += 1
            code = f"LOY{suffix}"
        journal = Journal.create(
            {
                "name": _("Loyalty Points"),
                "code": code,
                "type": "cash",
                "company_id": self.id,
                "default_account_id": liability.id,
                "loyalty_points_journal": True,
                "loyalty_points_earn": False,
            }
        )
        # Payments in points clear the receivable against the liability.
        (
            journal.inbound_payment_method_line_ids
            | journal.outbound_payment_method_line_ids
        ).payment_account_id = liability
        self.sudo().write(
            {
                "loyalty_points_journal_id": journal.id,
                "loyalty_points_liability_account_id": liability.id,
                "loyalty_points_expense_account_id": expense.id,
                "loyalty_points_income_account_id": income.id,
            }
        )
