# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
from datetime import timedelta

from freezegun import freeze_time
from psycopg2 import errors

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import LoyaltyPointsCommon


class TestProgramSettings(LoyaltyPointsCommon):
    def test_defaults(self):
        """A new program is off, whole points rounded down, 365 days, no pending."""
        program = self.env["loyalty.points.program"].create(
            {"name": "New", "active": False}
        )
        self.assertEqual(
            (
                program.state,
                program.points_rounding,
                program.rounding_method,
                program.expiry_days,
                program.pending_hours,
                program.amount_basis,
                program.mode,
            ),
            ("off", 1.0, "DOWN", 365, 0, "untaxed", "transaction"),
        )

    def test_bad_numbers_refused(self):
        """Zero or negative rates, steps, values and negative periods are refused."""
        bad = [
            {"rate": 0.0},
            {"rate": -1.0},
            {"step_amount": 0.0},
            {"step_points": 0.0},
            {"percentage": -5.0},
            {"multiplier": 0.0},
            {"point_value": 0.0},
            {"min_amount": -1.0},
            {"pending_hours": -1},
            {"expiry_days": -1},
            {"points_rounding": 0.0},
        ]
        for vals in bad:
            with (
                self.subTest(vals=vals),
                mute_logger("odoo.sql_db"),
                self.assertRaises(errors.CheckViolation),
                self.cr.savepoint(),
            ):
                self.program.write(vals)
                self.program.flush_recordset()
        self.program.invalidate_recordset()
        self.assertEqual((self.program.rate, self.program.expiry_days), (2.0, 365))

    def test_one_active_program_per_company(self):
        """A company can be in one active program only."""
        with self.assertRaises(ValidationError):
            self.env["loyalty.points.program"].create(
                {"name": "Second", "company_ids": [Command.set(self.env.company.ids)]}
            )
        self.assertEqual(
            self.env["loyalty.points.program"]._program_for_company(), self.program
        )

    def test_program_lookup_follows_changes(self):
        """Which program covers a company is cached; archiving, moving to other
        companies, creating and deleting a program are seen at once."""
        Program = self.env["loyalty.points.program"]
        company = self.env.company
        other = self.env["res.company"].create({"name": "Other centre"})
        self.assertEqual(Program._program_for_company(company), self.program)
        self.assertFalse(Program._program_for_company(other))
        self.program.company_ids = [Command.set(other.ids)]
        self.assertFalse(Program._program_for_company(company))
        self.assertEqual(Program._program_for_company(other), self.program)
        self.program.active = False
        self.assertFalse(Program._program_for_company(other))
        second = Program.create(
            {"name": "Second", "company_ids": [Command.set(company.ids)]}
        )
        self.assertEqual(Program._program_for_company(company), second)
        second.unlink()
        self.assertFalse(Program._program_for_company(company))
        # An invoice paid now earns in no program: the deleted one is not used.
        invoice = self._invoice([100.0])
        self._pay(invoice)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(invoice.loyalty_points_entry_ids)

    def test_program_lookup_ignores_archived_programs(self):
        """The cached lookup is the same whoever asks first: a caller that
        shows archived records (``active_test=False``, as an archive filter
        does) does not make an archived program the company's program."""
        Program = self.env["loyalty.points.program"]
        archived = Program.create(
            {
                "name": "Last year's club",
                "sequence": 0,
                "active": False,
                "company_ids": [Command.set(self.env.company.ids)],
            }
        )
        Program._clear_program_cache()
        lookup = Program.with_context(active_test=False)._program_for_company()
        self.assertEqual(lookup, self.program)
        self.assertNotEqual(Program._program_for_company(), archived)

    def test_custom_rate_needs_a_rate(self):
        """A custom rate of zero, or fixed points of zero, is refused."""
        with self.assertRaises(ValidationError):
            self.service.loyalty_points_rule = "custom_rate"
        with self.assertRaises(ValidationError):
            self.env["product.category"].create(
                {"name": "Bad", "loyalty_points_rule": "fixed"}
            )


class TestLedgerImmutability(LoyaltyPointsCommon):
    def setUp(self):
        super().setUp()
        self._pay(self._invoice([100.0]))
        self.entry = self._entries()

    def test_write_refused_as_admin(self):
        """Even the superuser cannot change an entry through the ORM."""
        for vals in ({"points": 1}, {"partner_id": self.contact.id}, {"reason": "x"}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                self.entry.sudo().write(vals)
        self.assertEqual(self.entry.points, 200)

    def test_unlink_refused_as_admin(self):
        """Even the superuser cannot delete an entry through the ORM."""
        with self.assertRaises(UserError):
            self.entry.sudo().unlink()
        self.assertTrue(self.entry.exists())

    def test_sql_update_and_delete_refused(self):
        """The database refuses UPDATE and DELETE of entries and allocations."""
        for query in (
            "UPDATE loyalty_points_entry SET points = 1 WHERE id = %s",
            "DELETE FROM loyalty_points_entry WHERE id = %s",
        ):
            with self.subTest(query=query), mute_logger("odoo.sql_db"):
                with self.assertRaises(errors.RestrictViolation), self.cr.savepoint():
                    self.cr.execute(query, [self.entry.id])
        self.entry.invalidate_recordset()
        self.assertEqual(self.entry.points, 200)

    def test_balance_table_matches_ledger(self):
        """The balance kept by the database equals the sum of the entries."""
        self._pay(self._invoice([30.0]))
        self.cr.execute(
            "SELECT points FROM loyalty_points_balance "
            "WHERE partner_id = %s AND program_id = %s",
            [self.customer.id, self.program.id],
        )
        self.assertEqual(float(self.cr.fetchone()[0]), self._points())
        self.assertEqual(self._points(), 260)


class TestBalances(LoyaltyPointsCommon):
    def test_pending_period(self):
        """With 24 pending hours, points are pending, then available a day later."""
        self.program.pending_hours = 24
        now = fields.Datetime.now()
        with freeze_time(now):
            self._pay(self._invoice([100.0]))
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.loyalty_points_balance, 200)
            self.assertEqual(self.customer.loyalty_points_pending, 200)
            self.assertEqual(self.customer.loyalty_points_available, 0)
        entry = self._entries()
        self.assertEqual(entry.available_date, entry.date + timedelta(hours=24))
        with freeze_time(now + timedelta(hours=25)):
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.loyalty_points_pending, 0)
            self.assertEqual(self.customer.loyalty_points_available, 200)
            self.assertAlmostEqual(self.customer.loyalty_points_value, 2.0)

    def test_expiry_date_of_lot(self):
        """An earned lot expires 'expiry days' after it was earned."""
        self.program.expiry_days = 30
        self._pay(self._invoice([100.0]))
        entry = self._entries()
        self.assertEqual(entry.expiry_date, (entry.date + timedelta(days=30)).date())

    def test_value_in_program_currency(self):
        """The money worth is available points times the point value."""
        self._pay(self._invoice([100.0]))
        self.assertAlmostEqual(self.customer.loyalty_points_value, 2.0)
        self.assertEqual(
            self.customer.loyalty_points_currency_id, self.program.currency_id
        )

    def test_search_by_balance(self):
        """Customers with at least N points, and those with none, are searchable."""
        other = self.env["res.partner"].create({"name": "Other"})
        self._pay(self._invoice([100.0]))
        self._pay(self._invoice([10.0], partner=other))
        Partner = self.env["res.partner"]
        ids = (self.customer | other | self.contact).ids
        self.assertEqual(
            Partner.search([("id", "in", ids), ("loyalty_points_balance", ">=", 100)]),
            self.customer | self.contact,
        )
        self.assertEqual(
            Partner.search([("id", "in", ids), ("loyalty_points_balance", "<", 100)]),
            other,
        )
        nobody = self.env["res.partner"].create({"name": "Nobody"})
        self.assertIn(nobody, Partner.search([("loyalty_points_balance", "=", 0)]))
        self.assertEqual(
            Partner.search([("id", "in", ids), ("loyalty_points_available", ">", 50)]),
            self.customer | self.contact,
        )
        self.assertEqual(
            Partner.search([("id", "in", ids), ("loyalty_points_value", ">=", 2.0)]),
            self.customer | self.contact,
        )

    def test_balances_read_in_batch(self):
        """Balances of many partners are read with a fixed number of queries:
        one once the nightly expiry has run today (no lot pending), two before
        (the spendable rule's query for those with points)."""
        partners = self.env["res.partner"].create(
            [{"name": f"P{i}"} for i in range(20)]
        )
        for partner in partners[:3]:
            self._pay(self._invoice([10.0], partner=partner))
        partners.mapped("loyalty_points_balance")  # the program read
        partners.invalidate_recordset()
        with self.assertQueryCount(2):
            values = partners.mapped("loyalty_points_balance")
        self.assertEqual(values[:3], [20, 20, 20])
        self.env["loyalty.points.entry"]._cron_expire_points()
        partners.mapped("loyalty_points_balance")  # the program read again
        partners.invalidate_recordset()
        with self.assertQueryCount(1):
            values = partners.mapped("loyalty_points_balance")
        self.assertEqual(values[:3], [20, 20, 20])

    def test_balance_read_is_one_query(self):
        """A customer's balance, read again (as the partner's smart button, the
        POS and the portal read it), costs one query: the points and which
        commercial entity holds them, not the partner's whole row too (once
        the nightly expiry has run today: test_balances_read_in_batch)."""
        self._pay(self._invoice([10.0], partner=self.contact))
        self.env["loyalty.points.entry"]._cron_expire_points()
        for partner in (self.customer, self.contact):
            self.assertEqual(partner.loyalty_points_balance, 20)  # the program read
            partner.invalidate_recordset()
            with self.assertQueryCount(1):
                self.assertEqual(partner.loyalty_points_balance, 20)
                self.assertEqual(partner.loyalty_points_available, 20)

    def test_redemption_reads_the_points_under_its_lock(self):
        """A redemption takes three statements: the lock, which reads the points
        it checks in the same statement; the ``redeem`` entry; the allocations,
        from the lots first to expire first in one statement. After a first
        redemption of 100 points from the lot that expires first, one of 300
        takes its other 100 and the next lot, leaving the last one."""
        today = fields.Date.today()
        lots = self.env["loyalty.points.entry"].browse()
        for days in (30, 10, 20):
            lots |= self._adjust(
                self.customer, 200.0, expiry_date=today + timedelta(days=days)
            )
        self.program._redeem(self.customer, 1.0, reason="Test")
        with self.assertQueryCount(3):
            redeem = self.program._redeem(self.customer, 3.0, reason="Test")
        self.assertEqual(redeem.points, -300.0)
        self.assertEqual(
            [(a.lot_id, a.points) for a in redeem.allocation_ids],
            [(lots[1], 100.0), (lots[2], 200.0)],
        )
        self.assertEqual(self.customer.loyalty_points_available, 200.0)

    def test_no_index_ends_in_the_id(self):
        """No index of the ledger holds its id after other columns: on a table
        freshly filled in bulk (a backfill, statistics not yet gathered), the
        planner took such an index for every lookup by id, the foreign key
        checks of the allocations among them, and scanned all of it each time."""
        rows = self.env.execute_query(
            SQL(
                """SELECT i.indexrelid::regclass::text
                     FROM pg_index i
                     JOIN pg_attribute a ON a.attrelid = i.indrelid
                                        AND a.attnum = ANY(i.indkey)
                    WHERE i.indrelid = 'loyalty_points_entry'::regclass
                      AND a.attname = 'id' AND i.indkey[0] <> a.attnum"""
            )
        )
        self.assertEqual(rows, [])

    def test_no_index_on_odoo_tables_nor_covered_twice(self):
        """The addon adds no index to Odoo's tables: the planner weighs each index
        of a table every time it plans a query on it, and paying invoices cost
        PostgreSQL 3% more with the two it had. Nor does the ledger keep an
        index that another one starts with (each insert updates them all)."""
        rows = self.env.execute_query(
            SQL(
                """SELECT indexname FROM pg_indexes
                    WHERE (tablename IN ('res_partner', 'account_move_line')
                           AND indexname LIKE %s)
                       OR indexname IN ('loyalty_points_entry__partner_id_index',
                                        'loyalty_points_entry__expired_lot_id_index')""",
                "%loyalty_points%",
            )
        )
        self.assertEqual(rows, [])

    def test_new_contact_shows_its_company_points(self):
        """A contact being created under a customer (its form, not saved yet)
        shows the customer's points, as the saved contact will."""
        self._pay(self._invoice([10.0]))
        contact = self.env["res.partner"].new(
            {"name": "New contact", "parent_id": self.customer.id}
        )
        self.assertEqual(contact.loyalty_points_balance, 20)
        self.assertEqual(contact.loyalty_points_available, 20)
        alone = self.env["res.partner"].new({"name": "New customer"})
        self.assertEqual(alone.loyalty_points_balance, 0)


class TestLedgerSecurity(LoyaltyPointsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A second company with its chart of accounts, built once for the class.
        cls.other_company = cls.setup_other_company(name="Other centre")["company"]
        company = cls.env.company
        cls.loyalty_user = new_test_user(
            cls.env,
            "lp_sec_user",
            groups="base.group_user,loyalty_points.group_loyalty_points_user",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        cls.employee = new_test_user(
            cls.env,
            "lp_sec_employee",
            groups="base.group_user",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        cls.portal = new_test_user(cls.env, "lp_sec_portal", groups="base.group_portal")

    def test_user_reads_ledger_but_cannot_write(self):
        """A loyalty user sees the ledger and balances but cannot create entries."""
        self._pay(self._invoice([100.0]))
        entries = (
            self.env["loyalty.points.entry"].with_user(self.loyalty_user).search([])
        )
        self.assertIn(self._entries(), entries)
        self.assertEqual(
            self.customer.with_user(self.loyalty_user).loyalty_points_balance, 200
        )
        with self.assertRaises(AccessError):
            self.env["loyalty.points.entry"].with_user(self.loyalty_user).create(
                {
                    "partner_id": self.customer.id,
                    "program_id": self.program.id,
                    "kind": "adjust",
                    "points": 5,
                }
            )

    def test_employee_and_portal_see_no_ledger(self):
        """Employees without the group and portal users cannot read the ledger."""
        self._pay(self._invoice([100.0]))
        for user in (self.employee, self.portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._entries().with_user(user).read(["points"])

    def test_paying_user_without_loyalty_group_still_earns(self):
        """An invoicing clerk without loyalty rights paying an invoice still earns."""
        clerk = new_test_user(
            self.env,
            "lp_clerk",
            groups="account.group_account_invoice",
            company_id=self.env.company.id,
            company_ids=[Command.set(self.env.company.ids)],
        )
        invoice = self._invoice([100.0])
        self.env["account.payment.register"].with_user(clerk).with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"journal_id": self.cash_journal.id})._create_payments()
        self.assertEqual(self._points(), 200)

    def test_multi_company_rule(self):
        """Entries of another centre are invisible to a user of this centre only."""
        self._pay(self._invoice([100.0]))
        other = self.other_company
        outsider = new_test_user(
            self.env,
            "lp_sec_outsider",
            groups="base.group_user,loyalty_points.group_loyalty_points_user",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self.assertFalse(
            self.env["loyalty.points.entry"].with_user(outsider).search([])
        )


class TestNegativeBalance(LoyaltyPointsCommon):
    def test_refund_after_spending_shows_negative_balance(self):
        """A refund after the points were spent leaves a negative balance, shown."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        Entry = self.env["loyalty.points.entry"]
        Entry._lock_balances(self.program, self.customer)
        spent = Entry._write_entries(
            [
                {
                    "partner_id": self.customer.id,
                    "program_id": self.program.id,
                    "kind": "redeem",
                    "points": -150,
                }
            ]
        )
        self.assertEqual(spent.allocation_ids.points, 150)
        invoice.button_draft()
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.loyalty_points_balance, -150)
        self.assertEqual(self.customer.loyalty_points_available, -150)
        reverse = self._entries()[-1]
        self.assertEqual(reverse.points, -200)
        # The reversal could only take back the 50 points left in the lot.
        self.assertEqual(reverse.allocation_ids.points, 50)
        self.assertEqual(reverse.allocation_ids.lot_id, self._entries()[0])


@tagged("post_install", "-at_install")
class TestSettingMessages(HttpCase):
    """A rule of the settings is written once, as a database CHECK with its
    message: saving a wrong value from the client shows that message."""

    def _save(self, model, vals, record_id=None):
        """The error message the client gets for saving ``vals`` on ``model``
        (a new record, or ``record_id``), or None."""
        method, args = (
            ("write", [[record_id], vals]) if record_id else ("create", [vals])
        )
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"model": model, "method": method, "args": args, "kwargs": {}},
        }
        with mute_logger("odoo.sql_db", "odoo.http"):
            response = self.url_open(
                "/web/dataset/call_kw",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            ).json()
        error = response.get("error")
        return (error and error["data"]["message"]) or ""

    def test_check_violation_says_what_is_wrong(self):
        """Creating or saving a program or a reward with a wrong value answers with
        the constraint's message, and nothing is written."""
        self.authenticate("admin", "admin")
        Program = self.env["loyalty.points.program"].with_context(active_test=False)
        Reward = self.env["loyalty.points.reward"].with_context(active_test=False)
        count = Program.search_count([]), Reward.search_count([])
        cases = {
            "rate": (0.0, "The points per 1.00 must be greater than zero."),
            "expiry_days": (-1, "Expiry days cannot be negative; use 0"),
            "min_redemption": (-1.0, "use 0 to pause redemptions"),
            "referral_points": (-5.0, "use 0 for no referral reward"),
        }
        for field, (value, message) in cases.items():
            with self.subTest(field=field):
                self.assertIn(
                    message,
                    self._save(
                        "loyalty.points.program",
                        {"name": "Club", "active": False, field: value},
                    ),
                )
        program = Program.create({"name": "Club", "active": False})
        self.assertIn(
            "The multiplier must be greater than zero.",
            self._save("loyalty.points.program", {"multiplier": 0.0}, program.id),
        )
        self.assertIn(
            "The points of a reward must be greater than zero; enter what",
            self._save(
                "loyalty.points.reward",
                {"name": "Spa", "program_id": program.id, "points_cost": 0},
            ),
        )
        program.invalidate_recordset()
        self.assertEqual(program.multiplier, 1.0)
        self.assertEqual(
            (Program.search_count([]), Reward.search_count([])),
            (count[0] + 1, count[1]),
        )
