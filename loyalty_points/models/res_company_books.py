# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import _, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    loyalty_points_books_journal_id = fields.Many2one(
        "account.journal",
        help="The miscellaneous journal in which the value of earned, reversed, "
        "adjusted and expired points is booked each day.",
    )

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
        code = "LOYB"
        suffix = 1
        while Journal.search_count([("code", "=", code), ("company_id", "=", self.id)]):
            suffix += 1
            code = f"LYB{suffix}"
        journal = Journal.create(
            {
                "name": _("Loyalty Points Books"),
                "code": code,
                "type": "general",
                "company_id": self.id,
                "loyalty_points_earn": False,
            }
        )
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
