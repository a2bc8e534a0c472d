# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import date, datetime, timedelta

import psycopg2

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import (
    LoyaltyPointsCommon,
    RealConnectionsCase,
    remove_committed_ledger,
)

EXPIRY_LOGGER = "odoo.addons.loyalty_points.models.loyalty_points_entry"


class ExpiryMixin:
    def _lot(self, points, earned, expiry_date=None, partner=None):
        """A positive ``adjust`` lot earned at ``earned`` (a datetime)."""
        vals = {
            "partner_id": (partner or self.customer).id,
            "program_id": self.program.id,
            "company_id": self.program.company_ids[:1].id,
            "points": points,
            "kind": "adjust",
            "reason": "test lot",
            "date": earned,
        }
        if expiry_date:
            vals["expiry_date"] = expiry_date
        return self.env["loyalty.points.entry"]._write_entries([vals])

    def _spend(self, points, partner=None):
        """A negative ``adjust`` entry taking ``points`` from the lots, FIFO."""
        return self.env["loyalty.points.entry"]._write_entries(
            [
                {
                    "partner_id": (partner or self.customer).id,
                    "program_id": self.program.id,
                    "company_id": self.program.company_ids[:1].id,
                    "points": -points,
                    "kind": "adjust",
                    "reason": "test deduction",
                }
            ]
        )

    def _balance_row(self, partner=None):
        rows = self.env.execute_query(
            SQL(
                """SELECT points FROM loyalty_points_balance
                    WHERE partner_id = %s AND program_id = %s""",
                (partner or self.customer).id,
                self.program.id,
            )
        )
        return float(rows[0][0]) if rows else None

    def _taken(self, lot):
        return sum(
            self.env["loyalty.points.allocation"]
            .search([("lot_id", "=", lot.id)])
            .mapped("points")
        )


@tagged("post_install", "-at_install")
class TestExpiry(ExpiryMixin, LoyaltyPointsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.now = fields.Datetime.now()
        cls.other = cls.env["res.partner"].create({"name": "Customer B"})

    def test_lot_dates(self):
        """An earned lot is available after the pending hours and expires
        expiry_days after it was earned."""
        self.program.write({"pending_hours": 24, "expiry_days": 30})
        earned = datetime(2024, 3, 10, 15, 0)
        lot = self._lot(10, earned)
        self.assertEqual(lot.available_date, datetime(2024, 3, 11, 15, 0))
        self.assertEqual(lot.expiry_date, date(2024, 4, 9))

    def test_fifo_expiry(self):
        """A deduction of 120 takes 100 from the lot expiring first and 20 from the
        next; expiry then takes nothing from the first and the 30 left of the
        second."""
        lot_a = self._lot(100, self.now - timedelta(days=10), self.today + timedelta(5))
        lot_b = self._lot(50, self.now - timedelta(days=5), self.today + timedelta(40))
        deduction = self._spend(120)
        self.assertEqual(
            sorted(deduction.allocation_ids.mapped(lambda a: (a.lot_id.id, a.points))),
            sorted([(lot_a.id, 100.0), (lot_b.id, 20.0)]),
        )
        Entry = self.env["loyalty.points.entry"]

        self.assertEqual(Entry._cron_expire_points(today=lot_a.expiry_date), 0)
        self.assertEqual(
            Entry._cron_expire_points(today=lot_a.expiry_date + timedelta(1)), 0
        )
        self.assertFalse(self._entries().filtered(lambda e: e.kind == "expire"))

        # Other customers' lots of the program (demo data) may expire too.
        self.assertGreaterEqual(
            Entry._cron_expire_points(today=lot_b.expiry_date + timedelta(1)), 1
        )
        expired = self._entries().filtered(lambda e: e.kind == "expire")
        self.assertRecordValues(
            expired,
            [
                {
                    "points": -30.0,
                    "expired_lot_id": lot_b.id,
                    "partner_id": self.customer.id,
                    "program_id": self.program.id,
                    "company_id": lot_b.company_id.id,
                }
            ],
        )
        self.assertTrue(expired.reason)
        self.assertTrue(expired.create_uid and expired.create_date)
        self.assertRecordValues(expired.allocation_ids, [{"lot_id": lot_b.id}])
        self.assertEqual(expired.allocation_ids.points, 30.0)
        self.assertEqual(self._taken(lot_a), 100.0)
        self.assertEqual(self._taken(lot_b), 50.0)
        self.assertEqual(lot_b.points_remaining, 0.0)
        self.assertEqual(self._points(), 0.0)
        self.assertEqual(self._balance_row(), 0.0)
        self.assertEqual(self.customer.loyalty_points_balance, 0.0)

    def test_idempotent(self):
        """Running the expiry twice writes the expire entries once."""
        self._lot(40, self.now - timedelta(days=400), self.today - timedelta(days=35))
        Entry = self.env["loyalty.points.entry"]
        self.assertEqual(Entry._cron_expire_points(), 1)
        entries = self._entries()
        allocations = self.env["loyalty.points.allocation"].search([])
        self.assertEqual(Entry._cron_expire_points(), 0)
        self.assertEqual(self._entries(), entries)
        self.assertEqual(self.env["loyalty.points.allocation"].search([]), allocations)
        self.assertEqual(self._points(), 0.0)
        self.assertEqual(self._balance_row(), 0.0)

    def test_one_pass_for_all_customers(self):
        """One run expires the lots of every customer and keeps each balance equal
        to the sum of its entries."""
        old = self.now - timedelta(days=400)
        past = self.today - timedelta(days=1)
        self._lot(40, old, past)
        self._lot(15, old, past)
        self._lot(25, old, past, partner=self.other)
        self._lot(70, self.now - timedelta(days=1), self.today + timedelta(days=9))
        self.assertEqual(self.env["loyalty.points.entry"]._cron_expire_points(), 3)
        self.assertEqual(self._points(), 70.0)
        self.assertEqual(self._balance_row(), 70.0)
        self.assertEqual(self._points(self.other), 0.0)
        self.assertEqual(self._balance_row(self.other), 0.0)
        self.assertEqual(self.customer.loyalty_points_balance, 70.0)

    def test_expiry_date_is_last_day(self):
        """A lot can be spent until its expiry date included: it expires the day
        after."""
        lot = self._lot(10, self.now - timedelta(days=3), self.today)
        Entry = self.env["loyalty.points.entry"]
        self.assertEqual(Entry._cron_expire_points(today=self.today), 0)
        self.assertEqual(
            Entry._cron_expire_points(today=lot.expiry_date + timedelta(1)), 1
        )

    def test_one_day_whatever_the_time_zone(self):
        """The job run as a user whose time zone is already on another day than the
        server's clock expires exactly what the spendable rule no longer counts: a
        lot whose expiry date is the server's today stays spendable and unexpired,
        the one of the day before expires."""
        today = fields.Date.to_date(fields.Datetime.now())
        # A zone whose date differs from UTC's at this hour: UTC+14 from 11:00 UTC
        # (already tomorrow there), UTC-11 before (still yesterday there).
        zone = (
            "Pacific/Kiritimati"
            if fields.Datetime.now().hour >= 11
            else "Pacific/Pago_Pago"
        )
        self.env.user.tz = zone
        self.assertNotEqual(fields.Date.context_today(self.env.user), today)
        self._lot(10, self.now - timedelta(days=3), today)
        past = self._lot(5, self.now - timedelta(days=3), today - timedelta(days=1))
        Entry = self.env["loyalty.points.entry"]
        self.assertEqual(Entry._ledger_today(), today)
        self.assertEqual(self.customer.loyalty_points_available, 10.0)
        self.assertEqual(
            self.customer._loyalty_points_expiring(self.program), [(today, 10.0)]
        )
        self.assertEqual(Entry._cron_expire_points(), 1)
        self.assertTrue(Entry.search([("expired_lot_id", "=", past.id)]))
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.loyalty_points_balance, 10.0)
        self.assertEqual(self.customer.loyalty_points_available, 10.0)

    def test_no_expiry(self):
        """A lot without an expiry date never expires."""
        self.program.expiry_days = 0
        lot = self._lot(10, self.now - timedelta(days=3000))
        self.assertFalse(lot.expiry_date)
        Entry = self.env["loyalty.points.entry"]
        # Far in the future every other lot of the database expires, not this one.
        Entry._cron_expire_points(today=date(2999, 1, 1))
        self.assertFalse(Entry.search([("expired_lot_id", "=", lot.id)]))
        self.assertEqual(self._points(), 10.0)

    def test_never_takes_spent_points(self):
        """Expiry takes only what is left of a lot: spent points stay spent and no
        lot gives more than its points."""
        lot = self._lot(100, self.now - timedelta(days=2), self.today + timedelta(3))
        self._spend(70)
        self._spend(30)
        self._spend(5)  # more than the lots hold: a negative balance, no lot
        Entry = self.env["loyalty.points.entry"]
        self.assertEqual(Entry._cron_expire_points(today=self.today + timedelta(9)), 0)
        self.assertEqual(self._taken(lot), 100.0)
        self.assertEqual(self._points(), -5.0)
        self.assertEqual(self._balance_row(), -5.0)

    def test_partly_spent_lot(self):
        """A partly spent lot expires for its remainder only."""
        lot = self._lot(100, self.now - timedelta(days=2), self.today + timedelta(3))
        self._spend(64)
        self.assertEqual(
            self.env["loyalty.points.entry"]._cron_expire_points(
                today=self.today + timedelta(4)
            ),
            1,
        )
        self.assertEqual(lot.points_remaining, 0.0)
        self.assertEqual(self._taken(lot), 100.0)
        self.assertEqual(self._points(), 0.0)

    def test_a_lot_expires_once(self):
        """The unique index refuses a second expire entry for the same lot, whatever
        writes it."""
        lot = self._lot(10, self.now - timedelta(days=400), self.today - timedelta(1))
        self.assertEqual(self.env["loyalty.points.entry"]._cron_expire_points(), 1)
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.env.cr.savepoint(),
        ):
            self.env["loyalty.points.entry"]._write_entries(
                [
                    {
                        "partner_id": self.customer.id,
                        "program_id": self.program.id,
                        "points": -1,
                        "kind": "expire",
                        "expired_lot_id": lot.id,
                    }
                ]
            )
            self.env.flush_all()

    def test_nightly_job(self):
        """The nightly job runs the expiry."""
        cron = self.env.ref("loyalty_points.ir_cron_loyalty_points_expire")
        self.assertEqual(cron.model_id.model, "loyalty.points.entry")
        self.assertTrue(cron.active)
        self._lot(12, self.now - timedelta(days=400), self.today - timedelta(days=2))
        cron.method_direct_trigger()
        self.assertEqual(self._points(), 0.0)
        self.assertEqual(
            self._entries().filtered(lambda e: e.kind == "expire").points, -12.0
        )


@tagged("post_install", "-at_install")
class TestExpiryConcurrency(RealConnectionsCase):
    """Two runs at once, on two real database connections. The data is committed
    (another connection cannot see the test transaction) in an archived program
    with lots of 1999 and removed afterwards."""

    today = date(2000, 1, 1)

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            program = env["loyalty.points.program"].create(
                {
                    "name": "Expiry race",
                    "active": False,
                    "company_ids": [Command.set(env.ref("base.main_company").ids)],
                    "expiry_days": 30,
                }
            )
            partners = env["res.partner"].create(
                [{"name": f"Expiry race {i}"} for i in range(3)]
            )
            env["loyalty.points.entry"]._write_entries(
                [
                    {
                        "partner_id": partner.id,
                        "program_id": program.id,
                        "company_id": program.company_ids.id,
                        "points": 10.0 * (i + 1),
                        "kind": "adjust",
                        "reason": "race",
                        "date": datetime(1999, 1, 1) + timedelta(days=i),
                    }
                    for i, partner in enumerate(partners)
                ]
            )
            self.program_id, self.partner_ids = program.id, partners.ids
        self.addCleanup(self._remove_data)

    def _remove_data(self):
        remove_committed_ledger(self.registry, self.program_id, self.partner_ids)

    def _state(self):
        """(expire entries per lot, balances) as committed."""
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    """SELECT expired_lot_id, COUNT(*), SUM(points)
                         FROM loyalty_points_entry
                        WHERE program_id = %s AND kind = 'expire'
                        GROUP BY expired_lot_id""",
                    self.program_id,
                )
            )
            expired = {row[0]: (row[1], float(row[2])) for row in cr.fetchall()}
            cr.execute(
                SQL(
                    """SELECT b.partner_id, b.points, (SELECT SUM(points)
                              FROM loyalty_points_entry e
                             WHERE e.partner_id = b.partner_id
                               AND e.program_id = b.program_id)
                         FROM loyalty_points_balance b WHERE b.program_id = %s""",
                    self.program_id,
                )
            )
            balances = {row[0]: (float(row[1]), float(row[2])) for row in cr.fetchall()}
        return expired, balances

    def _assert_expired_once(self):
        expired, balances = self._state()
        self.assertEqual(len(expired), 3)
        self.assertEqual(sorted(expired.values()), [(1, -30.0), (1, -20.0), (1, -10.0)])
        self.assertEqual(
            balances, {partner_id: (0.0, 0.0) for partner_id in self.partner_ids}
        )

    def _run(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})
        return env["loyalty.points.entry"]._cron_expire_points(today=self.today)

    def test_overlapping_runs(self):
        """A run started while another is in progress returns 0 at once; the lots
        expire once."""
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            self.assertEqual(self._run(cr1), 3)
            with self.assertLogs(EXPIRY_LOGGER, logging.INFO) as logs:
                self.assertEqual(self._run(cr2), 0)
            self.assertIn("another run is in progress", logs.output[0])
            cr1.commit()
            cr2.commit()
        self._assert_expired_once()

    def test_run_with_stale_snapshot(self):
        """A run whose transaction began before another run committed gets the lock
        but ends cleanly with 0 instead of expiring the lots again."""
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            cr2.execute("SELECT 1")  # cr2's snapshot (REPEATABLE READ) starts here
            self.assertEqual(self._run(cr1), 3)
            cr1.commit()
            with self.assertLogs(EXPIRY_LOGGER, logging.INFO) as logs:
                self.assertEqual(self._run(cr2), 0)
            self.assertIn("the ledger changed", logs.output[0])
            cr2.commit()
        self._assert_expired_once()
        with self.registry.cursor() as cr3:
            self.assertEqual(self._run(cr3), 0)
        self._assert_expired_once()
