# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import LoyaltyPointsCommon
from .test_expiry import ExpiryMixin

KEPT = [
    "date",
    "points",
    "kind",
    "available_date",
    "expiry_date",
    "move_id",
    "program_id",
    "company_id",
    "reason",
    "user_id",
    "create_date",
]


@tagged("post_install", "-at_install")
class TestMerge(ExpiryMixin, LoyaltyPointsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_b = cls.env["res.partner"].create(
            {"name": "Customer B", "is_company": True}
        )
        cls.customer_c = cls.env["res.partner"].create(
            {"name": "Customer C", "is_company": True}
        )
        cls.now = fields.Datetime.now()

    def _merge(self, partners, dst):
        wizard = self.env["base.partner.merge.automatic.wizard"].create(
            {
                "partner_ids": [Command.set(partners.ids)],
                "dst_partner_id": dst.id,
                "state": "selection",
            }
        )
        wizard.action_merge()

    def _balances(self):
        """{partner id: (balance row, sum of the entries)} of the program."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """SELECT b.partner_id, b.points, (SELECT SUM(e.points)
                          FROM loyalty_points_entry e
                         WHERE e.partner_id = b.partner_id
                           AND e.program_id = b.program_id)
                     FROM loyalty_points_balance b
                    WHERE b.program_id = %s""",
                self.program.id,
            )
        )
        return {pid: (float(points), float(total or 0)) for pid, points, total in rows}

    def _note(self, partner):
        return partner.message_ids.filtered(
            lambda m: "Loyalty points merged" in (m.body or "")
        )

    def test_merge_three_customers(self):
        """Merging three customers moves every entry to the survivor with its dates,
        expiry and points, keeps the allocations and the sum, matches the balance
        table and notes the merged balances."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        self._lot(40, self.now - timedelta(days=3), self.today + timedelta(days=20))
        lot_b = self._lot(
            70,
            self.now - timedelta(days=10),
            self.today + timedelta(days=5),
            partner=self.customer_b,
        )
        self._spend(25, partner=self.customer_b)
        self._lot(
            15,
            self.now - timedelta(days=1),
            self.today + timedelta(days=100),
            partner=self.customer_c,
        )
        partners = self.customer | self.customer_b | self.customer_c
        Entry = self.env["loyalty.points.entry"]
        entries = Entry.search([("partner_id", "in", partners.ids)])
        self.assertEqual(len(entries), 5)
        before = {entry.id: entry.read(KEPT, load=None)[0] for entry in entries}
        allocations = self.env["loyalty.points.allocation"].search_read(
            [("consumer_id", "in", entries.ids)],
            ["consumer_id", "lot_id", "points"],
            load=None,
        )
        self.assertEqual(sum(entries.mapped("points")), 300.0)

        self._merge(partners, self.customer_c)

        self.assertFalse((self.customer | self.customer_b).exists())
        self.env.invalidate_all()
        self.assertEqual(entries.partner_id, self.customer_c)
        for entry in entries:
            self.assertEqual(entry.read(KEPT, load=None)[0], before[entry.id])
        self.assertEqual(
            self.env["loyalty.points.allocation"].search_read(
                [("consumer_id", "in", entries.ids)],
                ["consumer_id", "lot_id", "points"],
                load=None,
            ),
            allocations,
        )
        self.assertEqual(self._points(self.customer_c), 300.0)
        balances = self._balances()
        self.assertEqual(balances, {self.customer_c.id: (300.0, 300.0)})
        self.assertEqual(self.customer_c.loyalty_points_balance, 300.0)

        note = self._note(self.customer_c)
        self.assertEqual(len(note), 1)
        for text in (
            "Customer A: 240 points",
            "Customer B: 45 points",
            "Customer C: 15 points",
            "New balance of Customer C: 300 points",
        ):
            self.assertIn(text, note.body)

        # The lots still expire on their own dates, now for the survivor.
        self.assertEqual(
            Entry._cron_expire_points(today=lot_b.expiry_date + timedelta(days=1)), 1
        )
        self.assertEqual(self._points(self.customer_c), 255.0)
        self.assertEqual(self._balances(), {self.customer_c.id: (255.0, 255.0)})

    def test_merge_into_a_contact(self):
        """When the survivor is a company's contact, the ledger goes to the company,
        where balances are read."""
        person = self.env["res.partner"].create({"name": "Person P"})
        self._lot(25, self.now - timedelta(days=1), partner=person)
        self._lot(10, self.now - timedelta(days=1))
        self._merge(person | self.contact, self.contact)
        self.assertFalse(person.exists())
        self.assertEqual(self._points(self.customer), 35.0)
        self.assertFalse(self._entries(self.contact))
        self.assertEqual(self._balances(), {self.customer.id: (35.0, 35.0)})
        self.assertIn("Person P: 25 points", self._note(self.customer).body)

    def test_merge_moves_pending_points_as_pending(self):
        """A pending lot merged into a customer stays pending there: the
        survivor's balance row learns when it becomes available, so the bulk
        reader does not take it for available points."""
        Entry = self.env["loyalty.points.entry"]
        self._lot(25, self.now - timedelta(days=1), partner=self.customer_c)
        self.program.pending_hours = 72
        self._lot(40, self.now, partner=self.customer_b)
        Entry._cron_expire_points()
        self._merge(self.customer_b | self.customer_c, self.customer_c)
        self.env.flush_all()
        rows = self.customer_c._loyalty_points_rows(self.program)
        self.assertEqual(rows[self.customer_c.id][1:], (65.0, 40.0, 25.0))
        self.assertEqual(self._balances(), {self.customer_c.id: (65.0, 65.0)})

    def test_merge_without_points(self):
        """Merging customers without points writes no loyalty note."""
        self._merge(self.customer_b | self.customer_c, self.customer_c)
        self.assertFalse(self._note(self.customer_c))
        self.assertEqual(self._balances(), {})

    def test_entry_partner_not_writable(self):
        """An entry's customer cannot be changed through the ORM, not even as
        superuser: points never move between customers."""
        lot = self._lot(10, self.now - timedelta(days=1))
        for entry in (lot, lot.sudo()):
            with self.assertRaises(UserError):
                entry.write({"partner_id": self.customer_b.id})
        self.assertEqual(lot.partner_id, self.customer)
        self.assertEqual(self._balances(), {self.customer.id: (10.0, 10.0)})
