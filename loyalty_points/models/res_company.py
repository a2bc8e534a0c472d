# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

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
        # sudo: a loyalty manager sets a program up without being an accountant;
        # the accounts, the journal and the company's links to them are the
        # program's fixed set-up, not a choice of the user's.
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
        Journal = self.env["account.journal"].with_company(self).sudo()  # see above
        journal = Journal.create(
            {
                "name": _("Loyalty Points"),
                "code": self._loyalty_points_journal_code("LOYP", "LOY"),
                # A bank journal: a cash one would make points cash to Odoo (change,
                # cash control) and allow it in one Point of Sale till only.
                "type": "bank",
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
        # sudo: the company's links to its points accounts (see above).
        self.sudo().write(
            {
                "loyalty_points_journal_id": journal.id,
                "loyalty_points_liability_account_id": liability.id,
                "loyalty_points_expense_account_id": expense.id,
                "loyalty_points_income_account_id": income.id,
            }
        )

    loyalty_points_books_journal_id = fields.Many2one(
        "account.journal",
        help="The miscellaneous journal in which the value of earned, reversed, "
        "adjusted and expired points is booked each day.",
    )

    def _loyalty_points_journal_code(self, code, prefix):
        """``code``, or ``prefix`` and the first number (from 2) that makes a
        journal code the company does not use yet."""
        self.ensure_one()
        # sudo: every code the company uses counts, whichever journals the user
        # may see (archived ones and other users' included).
        used = set(
            self.env["account.journal"]
            .with_context(active_test=False)
            .sudo()
            .search([("company_id", "=", self.id)])
            .mapped("code")
        )
        suffix = 1
        while code in used:
            suffix += 1
            code = f"{prefix}{suffix}"
        return code

    def _loyalty_points_books_ready(self):
        """Whether the company has its points accounts, setting them up first when
        it has a chart of accounts but was never set up."""
        self.ensure_one()
        if not self.loyalty_points_liability_account_id and self.chart_template:
            self._loyalty_points_setup_accounting()
        return bool(
            self.loyalty_points_liability_account_id
            and self.loyalty_points_expense_account_id
            and self.loyalty_points_income_account_id
        )

    def _loyalty_points_books_journal(self):
        """The company's "Loyalty Points Books" miscellaneous journal, created the
        first time points are booked."""
        self.ensure_one()
        if self.loyalty_points_books_journal_id:
            return self.loyalty_points_books_journal_id
        # sudo: the journal is set up on behalf of the nightly booking, whoever
        # triggers it first.
        Journal = self.env["account.journal"].with_company(self).sudo()
        journal = Journal.create(
            {
                "name": _("Loyalty Points Books"),
                "code": self._loyalty_points_journal_code("LOYB", "LYB"),
                "type": "general",
                "company_id": self.id,
                "loyalty_points_earn": False,
            }
        )
        # sudo: the company's link to its books journal, set up by the program.
        self.sudo().loyalty_points_books_journal_id = journal
        return journal

    def _loyalty_points_books_date(self, day, journal):
        """``day``, or the first day after the company's lock dates when ``day``
        is locked: late bookings land in the first open period."""
        self.ensure_one()
        locks = self._get_violated_lock_dates(day, False, journal)
        if locks:
            return max(lock for lock, _field in locks) + timedelta(days=1)
        return day

    def _loyalty_points_books_line_vals(self, value, account, label):
        """Two lines moving ``value`` (company currency; positive: the liability
        grows) between ``account`` and the company's points liability."""
        self.ensure_one()
        liability = self.loyalty_points_liability_account_id
        return [
            {
                "name": label,
                "account_id": account.id,
                "debit": max(value, 0.0),
                "credit": max(-value, 0.0),
            },
            {
                "name": label,
                "account_id": liability.id,
                "debit": max(-value, 0.0),
                "credit": max(value, 0.0),
            },
        ]
