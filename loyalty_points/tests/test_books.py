# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time, timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.tests import new_test_user
from odoo.tools import SQL, mute_logger

from .common import LoyaltyPointsCommon


class LoyaltyBooksCommon(LoyaltyPointsCommon):
    """The test company's points accounts and journals, and helpers to read what
    the books say next to what the ledger says."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.points_journal = cls.company.loyalty_points_journal_id
        cls.liability = cls.company.loyalty_points_liability_account_id
        cls.expense = cls.company.loyalty_points_expense_account_id
        cls.income = cls.company.loyalty_points_income_account_id
        cls.Entry = cls.env["loyalty.points.entry"]
        cls.yesterday = cls.today - timedelta(days=1)

    # ------------------------------------------------------------------ helpers
    def _book(self, date=None):
        return self.program._book_points(date=date)

    def _booking_moves(self, company=None):
        journal = (company or self.company).loyalty_points_books_journal_id
        if not journal:
            return self.env["account.move"]
        return self.env["account.move"].search(
            [("journal_id", "=", journal.id)], order="id"
        )

    def _account_balance(self, account, company=None, moves=None):
        """Balance (debit - credit) of ``account`` in posted entries."""
        domain = [
            ("account_id", "=", account.id),
            ("company_id", "=", (company or self.company).id),
            ("parent_state", "=", "posted"),
        ]
        if moves is not None:
            domain.append(("move_id", "in", moves.ids))
        lines = self.env["account.move.line"].search(domain)
        return round(sum(lines.mapped("balance")), 2)

    def _liability(self, company=None):
        """What the company owes in points according to its books (credit)."""
        company = company or self.company
        return -self._account_balance(
            company.loyalty_points_liability_account_id, company
        )

    def _outstanding(self, company=None):
        entries = self.Entry.search(
            [
                ("company_id", "=", (company or self.company).id),
                ("program_id", "=", self.program.id),
            ]
        )
        return sum(entries.mapped("points"))

    def _booked_by(self, entries):
        return self.env["account.move"].search(
            [("loyalty_points_booked_entry_ids", "in", entries.ids)]
        )

    def _grant(self, points, company=None, **vals):
        return self._adjust(
            self.customer, points, company_id=(company or self.company).id, **vals
        )

    def _refund_of(self, invoice, amount):
        refund = self._invoice([amount], move_type="out_refund", post=False)
        refund.reversed_entry_id = invoice
        refund.action_post()
        return refund

    def _report(self, companies=None):
        return self.env["loyalty.points.liability.report"].search(
            [("company_id", "in", (companies or self.company).ids)]
        )

    def assertBooksAgree(self, companies, point_value):
        """Each company's liability balance is its outstanding points' value."""
        for company in companies:
            self.assertAlmostEqual(
                self._liability(company),
                self._outstanding(company) * point_value,
                places=2,
                msg=company.name,
            )


class TestBooksRules(LoyaltyBooksCommon):
    def test_ticket_path_books_nothing(self):
        """Paying an invoice writes its points but no journal entry for them."""
        self._pay(self._invoice([100.0]))
        self.assertEqual(self._points(), 200)
        self.assertFalse(self._booking_moves())
        self.assertFalse(self._booked_by(self._entries()))
        self.assertEqual(self._liability(), 0.0)

    def test_earning_books_expense_against_liability(self):
        """Earning 200 points at 0.01 books 2.00 from the expense to the liability."""
        self._pay(self._invoice([100.0]))
        move = self._book()
        self.assertEqual(len(move), 1)
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.journal_id.type, "general")
        self.assertEqual(move.journal_id, self.company.loyalty_points_books_journal_id)
        self.assertEqual(move.date, self.today)
        self.assertEqual(move.loyalty_points_booked_entry_ids, self._entries())
        self.assertEqual(self._account_balance(self.expense, moves=move), 2.0)
        self.assertEqual(self._account_balance(self.liability, moves=move), -2.0)
        self.assertEqual(len(move.line_ids), 2)

    def test_batching_one_entry_per_company_and_day(self):
        """Two tickets the same day give one journal entry linked to both."""
        self._pay(self._invoice([100.0]))
        self._pay(self._invoice([50.0]))
        entries = self._entries()
        self.assertEqual(len(entries), 2)
        move = self._book()
        self.assertEqual(len(move), 1)
        self.assertEqual(move.loyalty_points_booked_entry_ids, entries)
        self.assertEqual(self._liability(), 3.0)
        self.assertFalse(self._book(), "nothing is left to book")
        self.assertEqual(self._booking_moves(), move)

    def test_one_entry_per_day(self):
        """Movements of two days give one journal entry per day, dated that day."""
        with freeze_time(datetime.combine(self.yesterday, time(15))):
            self._pay(self._invoice([100.0]))
        self._pay(self._invoice([50.0]))
        old, new = self._entries()
        first = self._book(date=self.yesterday)
        self.assertEqual(first.date, self.yesterday)
        self.assertEqual(first.loyalty_points_booked_entry_ids, old)
        second = self._book()
        self.assertEqual(second.date, self.today)
        self.assertEqual(second.loyalty_points_booked_entry_ids, new)
        self.assertEqual(self._liability(), 3.0)

    def test_cron_books_up_to_yesterday(self):
        """The nightly job books the full days before today, not today's tickets."""
        with freeze_time(datetime.combine(self.yesterday, time(15))):
            self._pay(self._invoice([100.0]))
        self._pay(self._invoice([50.0]))
        old, new = self._entries()
        moves = self.env["loyalty.points.program"]._cron_book_points()
        self.assertEqual(
            moves.filtered(lambda m: m.company_id == self.company),
            self._booking_moves(),
        )
        self.assertEqual(self._booked_by(old).date, self.yesterday)
        self.assertFalse(self._booked_by(new))
        cron = self.env.ref("loyalty_points.ir_cron_loyalty_points_book")
        self.assertEqual(cron.code, "model._cron_book_points()")

    def test_expiry_books_breakage(self):
        """Expired points move from the liability to the breakage income."""
        self._grant(500, expiry_date=self.yesterday)
        self._book()
        self.assertEqual(self._liability(), 5.0)
        self.Entry._cron_expire_points(today=self.today)
        expired = self._entries().filtered(lambda e: e.kind == "expire")
        self.assertEqual(expired.points, -500)
        move = self._book()
        self.assertEqual(move.loyalty_points_booked_entry_ids, expired)
        self.assertEqual(self._account_balance(self.income, moves=move), -5.0)
        self.assertEqual(self._account_balance(self.liability, moves=move), 5.0)
        self.assertFalse(self._account_balance(self.expense, moves=move))
        self.assertEqual(self._liability(), 0.0)

    def test_reversal_books_the_opposite(self):
        """A credit note's reversal moves the value back from the liability."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        self._book()
        self._refund_of(invoice, 30.0)
        reverse = self._entries()[-1]
        self.assertEqual((reverse.kind, reverse.points), ("reverse", -60))
        move = self._book()
        self.assertEqual(move.loyalty_points_booked_entry_ids, reverse)
        self.assertEqual(self._account_balance(self.expense, moves=move), -0.6)
        self.assertEqual(self._account_balance(self.liability, moves=move), 0.6)
        self.assertEqual(self._liability(), 1.4)

    def test_adjustments_book_like_earning(self):
        """A grant and a deduction book, signed, between expense and liability."""
        self._grant(300)
        move = self._book()
        self.assertEqual(self._account_balance(self.expense, moves=move), 3.0)
        self._grant(-100)
        move = self._book()
        self.assertEqual(self._account_balance(self.expense, moves=move), -1.0)
        self.assertEqual(self._account_balance(self.liability, moves=move), 1.0)
        self.assertBooksAgree(self.company, 0.01)

    def test_movements_that_cancel_out(self):
        """A day's movements adding up to nothing ride along with a journal entry."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        self._reverse(invoice, "return").action_post()
        self.assertEqual(self._points(), 0)
        self.assertFalse(self._book(), "nothing to book: no empty journal entry")
        # Another day's movement takes them along.
        with freeze_time(datetime.combine(self.today + timedelta(days=1), time(9))):
            self._grant(100)
        move = self._book(date=self.today + timedelta(days=1))
        self.assertEqual(move.loyalty_points_booked_entry_ids, self._entries())
        self.assertEqual(self._liability(), 1.0)
        self.assertFalse(self._book(date=self.today + timedelta(days=1)))

    def test_points_payment_not_booked_again(self):
        """A points payment books the liability itself; batches skip it and its
        give-back when it is cancelled."""
        self._pay(self._invoice([5000.0]))
        self._book()
        self.assertEqual(self._liability(), 100.0)
        payment = self._pay(self._invoice([100.0]), 30.0, self.points_journal)
        self.assertEqual(self._liability(), 70.0, "the payment debits the liability")
        self.assertFalse(self._book())
        self.assertBooksAgree(self.company, 0.01)
        payment.action_draft()
        payment.action_cancel()
        self.assertEqual(self._points(), 10000)
        self.assertFalse(self._book())
        self.assertEqual(self._liability(), 100.0)

    def test_refund_paid_in_points_not_booked_again(self):
        """A credit note refunded in points credits the liability through its
        payment only."""
        self._pay(self._invoice([100.0]))
        self._book()
        refund = self._invoice([30.0], move_type="out_refund")
        self._pay(refund, journal=self.points_journal)
        self.assertEqual(self._points(), 3200)
        self.assertFalse(self._book())
        self.assertEqual(self._liability(), 32.0)

    def test_deleted_points_payment_not_booked(self):
        """A deleted points payment's redemption and give-back stay unbooked."""
        self._pay(self._invoice([5000.0]))
        self._book()
        payment = self._pay(self._invoice([100.0]), 30.0, self.points_journal)
        payment.action_draft()
        payment.unlink()
        self.assertFalse(self._entries().payment_id)
        self.assertFalse(self._book())
        self.assertBooksAgree(self.company, 0.01)

    def test_revaluation(self):
        """Raising the point value books the difference on the outstanding points
        as expense; lowering it books it back."""
        self._pay(self._invoice([100.0]))
        self._book()
        self.program.point_value = 0.03
        raise_move = self._booking_moves()[-1]
        self.assertFalse(raise_move.loyalty_points_booked_entry_ids)
        self.assertEqual(self._account_balance(self.expense, moves=raise_move), 4.0)
        self.assertEqual(self._liability(), 6.0)
        self.program.point_value = 0.02
        drop_move = self._booking_moves()[-1]
        self.assertEqual(self._account_balance(self.expense, moves=drop_move), -2.0)
        self.assertEqual(self._liability(), 4.0)
        self.assertBooksAgree(self.company, 0.02)
        self.assertEqual(len(self._booking_moves()), 3)

    def test_revaluation_books_pending_first(self):
        """Points not booked yet are booked at the old value, then revalued."""
        self._pay(self._invoice([100.0]))
        self.program.point_value = 0.02
        earn_move, revaluation = self._booking_moves()
        self.assertEqual(earn_move.loyalty_points_booked_entry_ids, self._entries())
        self.assertEqual(self._account_balance(self.expense, moves=earn_move), 2.0)
        self.assertEqual(self._account_balance(self.expense, moves=revaluation), 2.0)
        self.assertBooksAgree(self.company, 0.02)
        self.assertFalse(self._book())

    def test_revaluation_by_loyalty_manager(self):
        """A loyalty manager without accounting rights changes the point value;
        the revaluation is booked all the same."""
        manager = new_test_user(
            self.env,
            "lp_books_manager",
            groups="base.group_user,loyalty_points.group_loyalty_points_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self._pay(self._invoice([100.0]))
        self.program.with_user(manager).point_value = 0.02
        self.assertEqual(len(self._booking_moves()), 2)
        self.assertBooksAgree(self.company, 0.02)

    def test_same_point_value_books_nothing(self):
        """Saving the program without changing the point value books nothing."""
        self._pay(self._invoice([100.0]))
        self.program.write({"point_value": 0.01, "name": "Renamed"})
        self.assertFalse(self._booking_moves())

    def test_books_off(self):
        """With books off nothing is booked, not even a revaluation; switching them
        on books what is outstanding at the current value."""
        self.program.book_points = False
        self._pay(self._invoice([100.0]))
        self.assertFalse(self._book())
        self.env["loyalty.points.program"]._book_points()
        self.program.point_value = 0.02
        self.assertFalse(self._booking_moves())
        self.assertFalse(self._booked_by(self._entries()))
        self.program.book_points = True
        self._book()
        self.assertBooksAgree(self.company, 0.02)

    def test_entry_booked_once_by_database(self):
        """The database refuses to link an entry to a second journal entry."""
        self._pay(self._invoice([100.0]))
        move = self._book()
        other = self.env["account.move"].create(
            {"move_type": "entry", "journal_id": move.journal_id.id}
        )
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            other._loyalty_points_books_link(self._entries().ids)
        self.assertEqual(self._booked_by(self._entries()), move)

    def test_cancelled_booking_is_booked_again(self):
        """A cancelled or deleted booking frees its entries for the next run."""
        self._pay(self._invoice([100.0]))
        move = self._book()
        move.button_cancel()
        self.assertEqual(move.state, "cancel")
        self.assertFalse(move.loyalty_points_booked_entry_ids)
        self.assertEqual(self._liability(), 0.0)
        again = self._book()
        self.assertEqual(again.loyalty_points_booked_entry_ids, self._entries())
        self.assertEqual(self._liability(), 2.0)
        again.button_draft()
        again.unlink()
        self.assertFalse(self._booked_by(self._entries()))
        self._book()
        self.assertEqual(self._liability(), 2.0)

    def test_program_currency_converted(self):
        """Points valued in the program's currency are booked in the company's."""
        eur = self.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        self.program.currency_id = eur
        # 100.00 is 200.00 EUR: 400 points worth 4.00 EUR, i.e. 2.00.
        self._pay(self._invoice([100.0]))
        self.assertEqual(self._points(), 400)
        move = self._book()
        self.assertEqual(self._account_balance(self.expense, moves=move), 2.0)
        report = self._report()
        self.assertEqual(report.outstanding_value, 2.0)
        self.assertEqual(report.difference, 0.0)

    def test_locked_day_booked_in_first_open_day(self):
        """Movements of a locked period are booked on the first day after the lock."""
        before = self.today - timedelta(days=3)
        with freeze_time(datetime.combine(before, time(10))):
            self._grant(100)
        lock = self.today - timedelta(days=2)
        self.company.fiscalyear_lock_date = lock
        move = self._book()
        self.assertEqual(move.date, lock + timedelta(days=1))
        self.assertEqual(self._liability(), 1.0)

    def test_books_journal_created_once(self):
        """The company's books journal is a general journal created on first use."""
        self.assertFalse(self.company.loyalty_points_books_journal_id)
        self._grant(100)
        self._book()
        journal = self.company.loyalty_points_books_journal_id
        self.assertEqual(journal.type, "general")
        self._grant(100)
        self._book()
        self.assertEqual(self._booking_moves().journal_id, journal)


class TestBooksRewards(LoyaltyBooksCommon):
    def test_rewards_book_against_income(self):
        """Points spent on a reward leave the liability as income; giving them back
        books the opposite, and the books keep agreeing with the ledger."""
        self._pay(self._invoice([1000.0]))
        reward = self.env["loyalty.points.reward"].create(
            {"name": "Free polish", "points_cost": 500}
        )
        invoice = self._invoice([50.0], post=False)
        invoice._loyalty_points_redeem_reward(reward)
        self._book()
        self.assertBooksAgree(self.company, 0.01)
        self.assertEqual(self._account_balance(self.income), -5.0)
        invoice.button_cancel()
        self._book()
        self.assertBooksAgree(self.company, 0.01)
        self.assertEqual(self._account_balance(self.income), 0.0)


class TestBooksReport(LoyaltyBooksCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A second company with its chart of accounts, built once for the class.
        cls.other_company = cls.setup_other_company(name="Other centre")["company"]

    def test_report_side_by_side(self):
        """The report shows outstanding points, their value, the liability and
        what is not booked yet, per centre."""
        self._pay(self._invoice([100.0]))
        self._book()
        self._grant(50)
        report = self._report()
        self.assertRecordValues(
            report,
            [
                {
                    "program_id": self.program.id,
                    "outstanding_points": 250,
                    "outstanding_value": 2.5,
                    "liability_balance": 2.0,
                    "unbooked_points": 50,
                    "unbooked_value": 0.5,
                    "difference": 0.0,
                }
            ],
        )
        self._book()
        report.invalidate_recordset()
        self.assertEqual((report.liability_balance, report.unbooked_value), (2.5, 0))

    def test_report_shows_books_that_differ(self):
        """A booking edited by hand shows as a difference."""
        self._pay(self._invoice([100.0]))
        move = self._book()
        move.button_draft()
        self.assertEqual(self._report().difference, 2.0)

    def test_report_views_and_access(self):
        """Users see the report of their centres only; list and pivot open."""
        other = self.other_company
        self.env.user.company_ids |= other
        self.program.company_ids |= other
        user = new_test_user(
            self.env,
            "lp_books_user",
            groups="base.group_user,loyalty_points.group_loyalty_points_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        Report = self.env["loyalty.points.liability.report"]
        self.assertEqual(Report.search([]).company_id, self.company | other)
        self.assertEqual(Report.with_user(user).search([]).company_id, self.company)
        for view_type in ("list", "pivot", "search"):
            Report.with_user(user).get_view(view_type=view_type)
        menu = self.env.ref("loyalty_points.loyalty_points_liability_report_menu")
        self.assertEqual(menu.parent_id, self.env.ref("account.menu_finance_reports"))


class TestBooksScenario(LoyaltyBooksCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.centre_b = cls.setup_other_company(name="Centre B")["company"]
        cls.env.user.company_ids |= cls.centre_b
        cls.program.company_ids |= cls.centre_b

    def _invoice_b(self, amount, move_type="out_invoice"):
        invoice = (
            self.env["account.move"]
            .with_company(self.centre_b)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": self.customer.id,
                    "invoice_date": self.today,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "x",
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        return invoice

    def _pay_b(self, invoice, amount=None, journal=None):
        vals = {"amount": amount} if amount else {}
        if journal:
            vals["journal_id"] = journal.id
        return (
            self.env["account.payment.register"]
            .with_company(self.centre_b)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(vals)
            ._create_payments()
        )

    def _links(self):
        """(entry, times booked) of the program's entries that are booked (the
        demo program's own books are not this test's)."""
        return self.env.execute_query(
            SQL(
                """SELECT b.entry_id, COUNT(*) FROM loyalty_points_entry_booked_rel b
                     JOIN loyalty_points_entry e ON e.id = b.entry_id
                    WHERE e.program_id = %s
                    GROUP BY b.entry_id ORDER BY b.entry_id""",
                self.program.id,
            )
        )

    def _unbooked(self):
        Program = self.env["loyalty.points.program"]
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                "SELECT u.id FROM (%s) u WHERE u.program_id = %s",
                Program._books_unbooked_sql(),
                self.program.id,
            )
        )
        return self.Entry.browse([row[0] for row in rows])

    def test_long_mixed_scenario(self):
        """After any sequence and its booking, each centre's liability is the value
        of its outstanding points; nothing is booked twice; books off books
        nothing."""
        companies = self.company | self.centre_b
        day1 = datetime.combine(self.yesterday, time(14))
        with freeze_time(day1):
            # Earn on several invoices, in both centres.
            big = self._invoice([2000.0])
            self._pay(big)
            redo = self._invoice([500.0])
            self._pay(redo)
            self._pay_b(self._invoice_b(1000.0))
            # A partial credit note, a reset to draft and repost.
            self._refund_of(big, 300.0)
            redo.button_draft()
            redo.action_post()
            self._pay(redo)
            # Points payments: one kept, one cancelled, a refund paid in points,
            # one in the other centre.
            self._pay(self._invoice([100.0]), 30.0, self.points_journal)
            cancelled = self._pay(self._invoice([50.0]), 20.0, self.points_journal)
            cancelled.action_draft()
            cancelled.action_cancel()
            refund = self._invoice([10.0], move_type="out_refund")
            self._pay(refund, journal=self.points_journal)
            self._pay_b(
                self._invoice_b(50.0),
                10.0,
                self.centre_b.loyalty_points_journal_id,
            )
        self.assertEqual(self._outstanding(self.company), 2400)
        self.assertEqual(self._outstanding(self.centre_b), 1000)
        self.assertEqual(
            self._entries().mapped("kind"),
            [
                "earn",
                "earn",
                "earn",
                "reverse",
                "reverse",
                "earn",
                "redeem",
                "redeem",
                "reverse",  # the cancelled payment gives back to its two lots
                "reverse",
                "refund",  # the refund paid in points
                "redeem",
            ],
        )

        # Day 1 booked: one journal entry per centre.
        day1_moves = self._book(date=self.yesterday)
        self.assertEqual(day1_moves.company_id, companies)
        self.assertEqual(len(day1_moves), 2)
        self.assertEqual(set(day1_moves.mapped("date")), {self.yesterday})
        self.assertBooksAgree(companies, 0.01)
        self.assertEqual(self._liability(self.company), 24.0)
        self.assertEqual(self._liability(self.centre_b), 10.0)
        self.assertFalse(self._unbooked())

        # Day 2: an expiry, manual adjustments, a point value change, more tickets.
        self._grant(500, expiry_date=self.yesterday, reason="short-lived gift")
        self.Entry._cron_expire_points(today=self.today)
        self._grant(-150, reason="card misuse")
        self._grant(300, company=self.centre_b, reason="goodwill")
        self.assertEqual(self._outstanding(self.company), 2250)
        self.assertEqual(self._outstanding(self.centre_b), 1300)
        self.program.point_value = 0.02
        self.assertBooksAgree(companies, 0.02)
        self.assertEqual(self._liability(self.company), 45.0)
        self.assertEqual(self._liability(self.centre_b), 26.0)
        self._pay(self._invoice([100.0]))
        self._pay(self._invoice([100.0]), 10.0, self.points_journal)
        self.assertEqual(self._entries()[-1].points, -500)
        self._book()
        self.assertBooksAgree(companies, 0.02)
        self.assertEqual(self._liability(self.company), 39.0)
        self.assertEqual(self._account_balance(self.income), -5.0, "breakage")
        self.assertFalse(self._unbooked())
        for report in self._report(companies):
            self.assertEqual((report.difference, report.unbooked_points), (0, 0))

        # Nothing is booked twice.
        links = self._links()
        moves = self._booking_moves(self.company) | self._booking_moves(self.centre_b)
        self.assertFalse(self._book())
        self.env["loyalty.points.program"]._book_points()
        self.assertEqual(self._links(), links)
        self.assertTrue(all(count == 1 for _entry, count in links))
        self.assertEqual(
            self._booking_moves(self.company) | self._booking_moves(self.centre_b),
            moves,
        )
        bookable = self._entries().filtered(
            lambda e: e.kind != "redeem"
            and not e.payment_id
            and not e.reversed_entry_id.payment_id
        )
        self.assertEqual({link[0] for link in links}, set(bookable.ids))

        # Books off: nothing is booked any more.
        self.program.book_points = False
        self._pay(self._invoice([100.0]))
        self.program.point_value = 0.03
        self.assertFalse(self._book())
        self.assertEqual(self._links(), links)
        self.assertEqual(
            self._booking_moves(self.company) | self._booking_moves(self.centre_b),
            moves,
        )
