# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestSpendable(LoyaltyPointsCommon):
    """One rule of what a customer can spend, for every reader: what is left of
    the lots that are available and not past their expiry date, less any debt."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            "lp_spendable_manager",
            groups="base.group_user,loyalty_points.group_loyalty_points_manager",
        )
        cls.tomorrow = datetime.combine(cls.today + timedelta(days=1), time(9))
        cls.reward = cls.env["loyalty.points.reward"].create(
            {"name": "Spa day", "points_cost": 101}
        )

    def _lot(self, points, expiry_date, kind="adjust", **vals):
        return self._adjust(
            self.customer, points, kind=kind, expiry_date=expiry_date, **vals
        )

    def _deduct(self, points):
        return (
            self.env["loyalty.points.adjust.wizard"]
            .with_user(self.manager)
            .create({"partner_id": self.customer.id, "points": -points, "reason": "x"})
        )

    def _readers(self):
        """What each reader says the customer can spend now."""
        customer = self.customer
        customer.invalidate_recordset()
        Partner = self.env["res.partner"]
        wizard = self._deduct(1)
        reward_wizard = self.env["loyalty.points.reward.wizard"].create(
            {
                "move_id": self._invoice([10.0], post=False).id,
                "reward_id": self.reward.id,
            }
        )
        return {
            "field": customer.loyalty_points_available,
            "contact": self.contact.loyalty_points_available,
            "method": customer._loyalty_points_spendable(self.program),
            "cached": customer._loyalty_points_amounts_now(self.program)[2],
            "wizard": wizard.available,
            "reward wizard": reward_wizard.available,
            "statement": customer._loyalty_points_statement_values(lots=0)["available"],
            "search =": customer
            in Partner.search([("loyalty_points_available", "=", 100)]),
            "search >": customer
            in Partner.search([("loyalty_points_available", ">", 100)]),
            "value": customer.loyalty_points_value,
        }

    def test_past_expiry_not_spendable_before_the_job(self):
        """A lot past its expiry date that the nightly job has not expired yet can
        be neither deducted nor spent; the job then expires it and the balance
        ends at zero, not below."""
        self._lot(100, self.today)
        self.assertEqual(self.customer.loyalty_points_available, 100.0)
        with freeze_time(self.tomorrow):
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.loyalty_points_balance, 100.0)
            self.assertEqual(self.customer.loyalty_points_available, 0.0)
            with self.assertRaisesRegex(UserError, "Only 0 points are available"):
                self._deduct(100).action_apply()
            with self.assertRaisesRegex(UserError, "has 0 points available"):
                self.program._redeem(self.customer, 1.0)
            Entry = self.env["loyalty.points.entry"]
            self.assertEqual(Entry._cron_expire_points(), 1)
        self.assertEqual(self._points(), 0.0)
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.loyalty_points_balance, 0.0)

    def test_every_reader_agrees(self):
        """With points pending, past their expiry date and available, the partner's
        fields and their search, the adjust and reward wizards, the statement and
        the redemption check all count the same 100 points."""
        self._lot(100, self.today + timedelta(days=30))
        self._lot(30, self.today)  # past its date tomorrow
        self._adjust(self.customer, -10)  # taken from the lot that expires first
        self.program.pending_hours = 72
        self._lot(40, self.today + timedelta(days=60))
        with freeze_time(self.tomorrow):
            self.assertEqual(
                self._readers(),
                {
                    "field": 100.0,
                    "contact": 100.0,
                    "method": 100.0,
                    "cached": 100.0,
                    "wizard": 100.0,
                    "reward wizard": 100.0,
                    "statement": 100.0,
                    "search =": True,
                    "search >": False,
                    "value": 1.0,
                },
            )
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.loyalty_points_balance, 160.0)
            self.assertEqual(self.customer.loyalty_points_pending, 40.0)
            with self.assertRaisesRegex(UserError, "has 100 points available"):
                self.program._redeem(self.customer, 1.01)
            self.program._redeem(self.customer, 1.0)
            self.assertEqual(self.customer._loyalty_points_spendable(self.program), 0)

    def _rows(self):
        """(balance, pending, available) of the customer by the bulk reader,
        with nothing left to flush (the query counts are its own)."""
        self.env.flush_all()
        return self.customer._loyalty_points_rows(self.program)[self.customer.id][1:]

    def _pending_until(self):
        self.env.flush_all()
        [(until,)] = self.env.execute_query(
            SQL(
                """SELECT pending_until FROM loyalty_points_balance
                    WHERE partner_id = %s AND program_id = %s""",
                self.customer.id,
                self.program.id,
            )
        )
        return until

    def test_balance_alone_when_no_lot_is_pending_nor_past(self):
        """Once the nightly job has run today and no lot is pending, the bulk
        reader (a till's start, the customer list) gives the balance from its
        row alone, in one query; a lot past its date before the job's run, or a
        pending lot, brings the rule's query back. Both give what the rule
        gives."""
        Entry = self.env["loyalty.points.entry"]
        self._lot(100, self.today + timedelta(days=30))
        self._lot(30, self.today)  # past its date tomorrow
        Entry._cron_expire_points()
        self.env.flush_all()
        with self.assertQueryCount(1):
            self.assertEqual(self._rows(), (130.0, 0.0, 130.0))
        with freeze_time(self.tomorrow):
            # The job has not run today: the lot past its date does not count.
            with self.assertQueryCount(2):
                self.assertEqual(self._rows(), (130.0, 0.0, 100.0))
            self.assertEqual(Entry._cron_expire_points(), 1)
            self.env.flush_all()
            with self.assertQueryCount(1):
                self.assertEqual(self._rows(), (100.0, 0.0, 100.0))
            self.program.pending_hours = 72
            lot = self._lot(40, self.today + timedelta(days=60))
            self.assertEqual(self._pending_until(), lot.available_date)
            with self.assertQueryCount(2):
                self.assertEqual(self._rows(), (140.0, 40.0, 100.0))
        with freeze_time(self.tomorrow + timedelta(hours=72)):
            self.assertEqual(self._rows(), (140.0, 0.0, 140.0))
            Entry._cron_expire_points()
            self.env.flush_all()
            with self.assertQueryCount(1):
                self.assertEqual(self._rows(), (140.0, 0.0, 140.0))

    def test_bulk_reader_with_and_without_the_cache(self):
        """The bulk reader gives the same figures whether the ORM's cache holds
        which commercial entity each partner is (read by its caller) or not
        (read by its query): a contact carries its company's points, a
        customer without a balance row has none."""
        self._lot(100, self.today + timedelta(days=30))
        self.program.pending_hours = 72
        self._lot(40, self.today + timedelta(days=60))
        newcomer = self.env["res.partner"].create({"name": "Newcomer"})
        partners = self.customer | self.contact | newcomer
        self.env.flush_all()
        partners.invalidate_recordset(["commercial_partner_id"])
        # The balances, with the partners' commercial entities; the rule for
        # the customer's pending points.
        with self.assertQueriesContain(
            ["FROM res_partner", "FROM loyalty_points_balance b"]
        ):
            read = partners._loyalty_points_rows(self.program)
        partners.mapped("commercial_partner_id")
        with self.assertQueriesContain(
            ["SELECT b.partner_id, b.points,", "FROM loyalty_points_balance b"]
        ):
            cached = partners._loyalty_points_rows(self.program)
        self.assertEqual(read, cached)
        self.assertEqual(
            cached[self.contact.id], (self.customer.id, 140.0, 40.0, 100.0)
        )
        self.assertEqual(cached[newcomer.id], (newcomer.id, 0.0, 0.0, 0.0))

    def test_pending_until_filled_on_update(self):
        """A database of a version without ``pending_until`` gets it on update,
        from its pending lots: their points are not counted as available."""
        Entry = self.env["loyalty.points.entry"]
        self.program.pending_hours = 72
        self._lot(10, self.today + timedelta(days=30))
        lot = self._lot(40, self.today + timedelta(days=60))
        Entry._cron_expire_points()
        self.env.flush_all()
        self.env.cr.execute(
            "ALTER TABLE loyalty_points_balance DROP COLUMN pending_until"
        )
        Entry.init()
        self.assertEqual(self._pending_until(), lot.available_date)
        self.assertEqual(self._rows(), (50.0, 50.0, 0.0))

    def test_debt_is_shown(self):
        """Points taken back after they were spent leave a debt: available is
        negative, and new points pay it off first."""
        self._lot(50, self.today + timedelta(days=30))
        self._adjust(self.customer, -80)
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.loyalty_points_available, -30.0)
        self.assertEqual(self.customer.loyalty_points_value, 0.0)
        self._lot(20, self.today + timedelta(days=30))
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.loyalty_points_available, -10.0)
        self.assertIn(
            self.customer,
            self.env["res.partner"].search([("loyalty_points_available", "<", 0)]),
        )

    def test_after_the_job_only_new_expiries_are_looked_at(self):
        """Once the nightly job has run, lots that expire later are still held back
        until the next run, and what the job wrote off is not counted twice."""
        self._lot(100, self.today - timedelta(days=3))  # written off by the job
        self._lot(70, self.today)  # past its date tomorrow
        self._lot(5, self.today + timedelta(days=9))
        Entry = self.env["loyalty.points.entry"]
        self.assertEqual(Entry._cron_expire_points(), 1)
        self.assertEqual(self.program.expiry_done_date, self.today)
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.loyalty_points_available, 75.0)
        with freeze_time(self.tomorrow):
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.loyalty_points_available, 5.0)
            self.assertEqual(Entry._cron_expire_points(), 1)
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.loyalty_points_available, 5.0)
            self.assertEqual(self.customer.loyalty_points_balance, 5.0)

    def test_points_given_back_to_an_expired_lot_are_written_off(self):
        """A points payment cancelled after its lot expired gives the points back
        with the lot's dates, and they are written off at once: the balance does
        not grow by points the customer could no longer spend."""
        journal = self.env.company.loyalty_points_journal_id
        self._lot(1000, self.today)
        payment = self._pay(self._invoice([4.0]), journal=journal)
        self.assertEqual(self._points(), 600.0)
        with freeze_time(self.tomorrow):
            Entry = self.env["loyalty.points.entry"]
            self.assertEqual(Entry._cron_expire_points(), 1)  # the 600 left
            payment.action_draft()
            back = self._entries().filtered(lambda e: e.kind == "reverse")
            self.assertEqual(back.points, 400.0)
            self.assertEqual(back.expiry_date, self.today)
            written_off = Entry.search([("expired_lot_id", "=", back.id)])
            self.assertRecordValues(written_off, [{"kind": "expire", "points": -400}])
            self.assertEqual(self._points(), 0.0)
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.loyalty_points_available, 0.0)
        self.assertEqual(fields.Date.today(), self.today)

    # ------------------------------------------------------------ the cache
    def _now(self):
        """The cached figures and the same read afresh: they must agree."""
        cached = self.customer._loyalty_points_amounts_now(self.program)
        self.customer.invalidate_recordset()
        fresh = self.customer._loyalty_points_amounts(self.program)[self.customer.id]
        self.assertEqual(cached, fresh)
        return cached

    def test_cached_amounts_follow_every_change_of_the_ledger(self):
        """The amounts a worker keeps for the pages read on every request are
        read again after any change of the customer's ledger: several in one
        transaction (one xmin, a new version each), a redemption's allocations,
        and a change rolled back then replaced by another of the same count.
        Unchanged, they cost one small query."""
        self.assertEqual(self._now(), (0.0, 0.0, 0.0))
        self._lot(300, self.today + timedelta(days=30))
        self.assertEqual(self._now(), (300.0, 0.0, 300.0))
        with self.assertQueryCount(1):
            self.customer._loyalty_points_amounts_now(self.program)
        self._adjust(self.customer, -10)
        self.assertEqual(self._now(), (290.0, 0.0, 290.0))
        self._adjust(self.customer, -5)
        self.assertEqual(self._now(), (285.0, 0.0, 285.0))
        self.program._redeem(self.customer, 1.0)
        self.assertEqual(self._now(), (185.0, 0.0, 185.0))
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            self._adjust(self.customer, 7)
            self.assertEqual(self._now(), (192.0, 0.0, 192.0))
            raise RuntimeError("rolled back")
        self.env.invalidate_all()
        self._adjust(self.customer, 3)
        self.assertEqual(self._now(), (188.0, 0.0, 188.0))

    def test_cached_amounts_follow_the_clock(self):
        """Kept amounts are read again when a pending lot becomes available and
        when a lot passes its expiry date, with no entry written."""
        self._lot(30, self.today)  # spendable today, past its date tomorrow
        self.program.pending_hours = 24
        self._lot(50, self.today + timedelta(days=30))
        self.assertEqual(self._now(), (80.0, 50.0, 30.0))
        with freeze_time(fields.Datetime.now() + timedelta(hours=25)):
            self.assertEqual(self._now(), (80.0, 0.0, 50.0))
