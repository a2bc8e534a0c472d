"""The invariant checker's own tests (invariants.py): the database as installed
and an ordinary life of a customer break nothing; each invariant, broken on
purpose inside the test's transaction (rolled back after it), is reported."""

import time
from datetime import timedelta

from odoo import fields
from odoo.tools import SQL

from odoo.addons.loyalty_points.tests.common import LoyaltyPointsCommon

from .invariants import violations


class TestInvariants(LoyaltyPointsCommon):
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Entry = cls.env["loyalty.points.entry"]
        cls.points_journal = cls.env.company.loyalty_points_journal_id
        cls.other = cls.env["res.partner"].create({"name": "Customer B"})
        # 200 points from a paid invoice of 100.00.
        cls.invoice = cls._invoice([100.0])
        cls._pay(cls.invoice)

    # ------------------------------------------------------------------ helpers
    def _raw(self, query, *args):
        """Run ``query`` as is, beside the ledger's writers (no ORM, no cache)."""
        self.env.flush_all()
        self.env.cr.execute(SQL(query, *args))
        self.env.invalidate_all()

    def _lift(self, *what):
        """Lift the database's own guards for this test's transaction only
        (ALTER TABLE is rolled back with it): triggers and CHECK constraints of
        the ledger."""
        for kind, name in what:
            if kind == "trigger":
                self._raw(
                    "ALTER TABLE loyalty_points_entry DISABLE TRIGGER %s",
                    SQL.identifier(name),
                )
            else:
                self._raw(
                    "ALTER TABLE loyalty_points_entry DROP CONSTRAINT %s",
                    SQL.identifier(name),
                )

    def _insert(self, **vals):
        """An entry inserted in SQL, as a writer that skips the ledger's rules
        would; returns its id (the balance trigger still counts it)."""
        now = fields.Datetime.now()
        vals = {
            "partner_id": self.customer.id,
            "program_id": self.program.id,
            "company_id": self.env.company.id,
            "date": now,
            "amount_basis": 0.0,
            **vals,
        }
        if vals["points"] > 0:
            vals.setdefault("available_date", now)
        columns = list(vals)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "INSERT INTO loyalty_points_entry (%s) VALUES %s RETURNING id",
                SQL(", ").join(SQL.identifier(c) for c in columns),
                tuple(vals[c] for c in columns),
            )
        )
        return self.env.cr.fetchone()[0]

    def _write(self, **vals):
        """An entry written by the ledger's own writer (``_write_entries``)."""
        vals = {
            "partner_id": self.customer.id,
            "program_id": self.program.id,
            "company_id": self.env.company.id,
            "reason": "test",
            **vals,
        }
        self.Entry._lock_balances(self.program, self.customer)
        return self.Entry._write_entries([vals])

    def assertReported(self, prefix, found=None):
        found = violations(self.env) if found is None else found
        self.assertTrue(
            any(line.startswith(prefix) for line in found),
            f"no '{prefix}' violation among {found}",
        )
        return found

    # ------------------------------------------------------------------ holds
    def test_installed_database_holds(self):
        """The database as installed (demo data included) breaks no invariant,
        and the check over it takes milliseconds."""
        start = time.perf_counter()
        self.assertEqual(violations(self.env), [])
        self.assertLess(time.perf_counter() - start, 2.0)

    def test_ordinary_life_holds(self):
        """Earning, paying with points, a credit note, an expiry, a deduction and
        the books of the day break nothing."""
        points_invoice = self._invoice([50.0])
        self._pay(points_invoice, 1.0, self.points_journal)
        credit_note = self._reverse(self.invoice)
        credit_note.invoice_line_ids.price_unit = 40.0
        credit_note.action_post()
        self._write(
            kind="grant",
            points=30.0,
            expiry_date=fields.Date.today() - timedelta(days=1),
        )
        self._write(kind="adjust", points=-10.0)
        self.Entry._cron_expire_points()
        self.program._book_points()
        self.assertEqual(violations(self.env), [])
        self.assertEqual(violations(self.env, programs=self.program), [])

    # ------------------------------------------------------------------ broken
    def test_balance_row(self):
        """A balance row that is not the sum of the ledger is reported."""
        self._raw(
            """UPDATE loyalty_points_balance SET points = points + 5
                WHERE partner_id = %s AND program_id = %s""",
            self.customer.id,
            self.program.id,
        )
        found = self.assertReported("balance:")
        self.assertIn(f"partner {self.customer.id} ", found[0])
        self.assertIn("205.0", found[0])

    def test_balance_row_without_ledger(self):
        """A balance row holding points for a customer without entries is
        reported."""
        self._raw(
            """INSERT INTO loyalty_points_balance (partner_id, program_id, points)
               VALUES (%s, %s, 7)""",
            self.other.id,
            self.program.id,
        )
        self.assertReported("balance:")

    def test_pending_until_behind_a_lot(self):
        """A balance row whose pending_until is before a lot's available date
        (the bulk reader would count that lot as available) is reported."""
        self._write(
            kind="grant",
            points=30.0,
            available_date=fields.Datetime.now() + timedelta(days=3),
        )
        self._raw(
            """UPDATE loyalty_points_balance SET pending_until = NULL
                WHERE partner_id = %s AND program_id = %s""",
            self.customer.id,
            self.program.id,
        )
        found = self.assertReported("balance:")
        self.assertIn("after the balance row's pending_until", found[0])

    def test_available_rule(self):
        """The spendable rule counting a lot past its expiry date, that the
        expiry job has not written off, is reported."""
        self._write(
            kind="grant",
            points=30.0,
            expiry_date=fields.Date.today() - timedelta(days=5),
        )
        # The job is said to have run today, yet the lot was never expired.
        self._raw(
            "UPDATE loyalty_points_program SET expiry_done_date = %s WHERE id = %s",
            fields.Date.today(),
            self.program.id,
        )
        found = self.assertReported("available:")
        self.assertIn("gives 230.0 points, the lots give 200.0", found[0])

    def test_allocation_beyond_lot(self):
        """An allocation taking more than a lot holds is reported."""
        lot = self.Entry.search([("move_id", "=", self.invoice.id)])
        spend = self._write(kind="adjust", points=-10.0)
        self._raw(
            """INSERT INTO loyalty_points_allocation (consumer_id, lot_id, points)
               VALUES (%s, %s, 500)""",
            spend.id,
            lot.id,
        )
        found = self.assertReported("allocation: lot")
        self.assertReported("allocation: entry", found)

    def test_allocation_across_customers(self):
        """An entry taking from another customer's lot is reported."""
        lot = self._write(kind="grant", points=10.0, partner_id=self.other.id)
        spend = self._insert(kind="adjust", points=-5.0, reason="test")
        self._raw(
            """INSERT INTO loyalty_points_allocation (consumer_id, lot_id, points)
               VALUES (%s, %s, 5)""",
            spend,
            lot.id,
        )
        found = self.assertReported("allocation ")
        self.assertTrue(any("of another customer" in line for line in found))

    def test_kind_sign(self):
        """An earning of negative points and a redemption of positive points are
        reported."""
        self._lift(("constraint", "loyalty_points_entry_kind_sign"))
        self._insert(kind="earn", points=-10.0)
        self._insert(kind="redeem", points=10.0)
        found = self.assertReported("kind:")
        self.assertTrue(any("earn -10.0) is negative" in line for line in found))
        self.assertTrue(any("redeem 10.0) is positive" in line for line in found))

    def test_kind_zero_and_lot_dates(self):
        """An entry of no points, and a lot without an available date, are
        reported."""
        self._lift(
            ("constraint", "loyalty_points_entry_points_not_zero"),
            ("constraint", "loyalty_points_entry_lot_dates"),
        )
        self._insert(kind="adjust", points=0.0)
        self._insert(kind="grant", points=5.0, available_date=None)
        found = self.assertReported("kind:")
        self.assertTrue(any("zero points" in line for line in found))
        self.assertTrue(any("without an available date" in line for line in found))

    def test_reverse_same_sign(self):
        """A reversal of the same sign as the entry it undoes is reported."""
        earn = self.Entry.search([("move_id", "=", self.invoice.id)])
        self._lift(("trigger", "loyalty_points_entry_reverse_sign"))
        self._insert(kind="reverse", points=20.0, reversed_entry_id=earn.id)
        found = self.assertReported("reverse:")
        self.assertTrue(any("has the same sign" in line for line in found))

    def test_reverse_more_than_reversed(self):
        """Reversals taking back more than the entry they undo are reported,
        whether one does or two do together."""
        earn = self.Entry.search([("move_id", "=", self.invoice.id)])
        self._write(kind="reverse", points=-150.0, reversed_entry_id=earn.id)
        self.assertEqual(violations(self.env), [], "150 of 200: within it")
        self._write(kind="reverse", points=-100.0, reversed_entry_id=earn.id)
        found = self.assertReported("reverse:")
        self.assertTrue(any("is undone by -250.0" in line for line in found))

    def test_reverse_undone_counts(self):
        """A reversal that is itself undone gives room back: undoing 200, giving
        100 back and undoing 100 again is within the earning."""
        earn = self.Entry.search([("move_id", "=", self.invoice.id)])
        drop = self._write(kind="reverse", points=-200.0, reversed_entry_id=earn.id)
        self._write(
            kind="reverse",
            points=100.0,
            reversed_entry_id=drop.id,
            available_date=earn.available_date,
            expiry_date=earn.expiry_date,
        )
        self._write(kind="reverse", points=-100.0, reversed_entry_id=earn.id)
        self.assertEqual(violations(self.env), [])

    def test_ticket_earns_twice(self):
        """A second live earning of the same invoice is reported."""
        self._write(
            kind="earn",
            points=200.0,
            move_id=self.invoice.id,
            earn_cycle=1,
            amount_basis=100.0,
        )
        found = self.assertReported("ticket:")
        self.assertIn(f"invoice {self.invoice.id} counts 2 times", found[0])

    def test_ticket_earns_again_after_full_reversal(self):
        """An invoice earning anew once its earning is fully reversed (reset to
        draft and paid again) is not a double."""
        self.invoice.button_draft()
        self.invoice.action_post()
        self._pay(self.invoice)
        earns = self.Entry.search(
            [("move_id", "=", self.invoice.id), ("kind", "=", "earn")]
        )
        self.assertEqual(len(earns), 2)
        self.assertEqual(violations(self.env), [])

    def test_payment_takes_twice(self):
        """A points payment whose points are taken twice is reported."""
        payment = self._pay(self._invoice([50.0]), 1.0, self.points_journal)
        self._write(kind="redeem", points=-100.0, payment_id=payment.id)
        self.assertReported("ticket: points payment")

    def test_expiry_takes_spent_points(self):
        """An expiry that takes from other lots than its own (spent points, or
        another lot's) is reported."""
        lot = self._write(
            kind="grant",
            points=30.0,
            expiry_date=fields.Date.today() - timedelta(days=1),
        )
        # Written without its lot: the writer takes from the available lots.
        self._write(kind="expire", points=-30.0, expired_lot_id=lot.id)
        found = self.assertReported("expiry:")
        self.assertIn("took 0.0 from it and 30.0 from other lots", found[0])

    def test_expiry_beyond_lot(self):
        """An expiry of more than what was left of its lot is reported."""
        today = fields.Date.today()
        lot = self._write(kind="grant", points=30.0, expiry_date=today)
        self._write(kind="adjust", points=-10.0)  # 10 of the 30, first to expire
        self.Entry._cron_expire_points(today=today + timedelta(days=1))
        self.assertEqual(violations(self.env), [], "the job expires the 20 left")
        # The expiry taking the whole lot, as if nothing of it had been spent.
        expire = self.Entry.search([("expired_lot_id", "=", lot.id)])
        self.assertEqual(expire.points, -20.0)
        self._raw(
            """INSERT INTO loyalty_points_allocation (consumer_id, lot_id, points)
               VALUES (%s, %s, 10)""",
            expire.id,
            lot.id,
        )
        found = self.assertReported("expiry:")
        self.assertReported("allocation: lot", found)

    def test_overspent(self):
        """A deduction of more than the available points, which leaves a debt, is
        reported; the same debt from a reversal is not."""
        self._write(kind="adjust", points=-250.0)
        found = self.assertReported("overspent:")
        self.assertIn("covered by lots for 200.0 points only", found[0])

    def test_debt_from_refund_is_allowed(self):
        """A credit note after the points were spent leaves a negative balance,
        which is no violation."""
        self._write(kind="adjust", points=-200.0)
        credit_note = self._reverse(self.invoice)
        credit_note.action_post()
        self.assertLess(self.customer.loyalty_points_balance, 0)
        self.assertEqual(violations(self.env), [])

    def test_books(self):
        """A journal entry on the points liability that the ledger does not
        explain is reported; booking the ledger itself is not."""
        self.program._book_points()
        self.assertEqual(violations(self.env), [])
        company = self.env.company
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": company._loyalty_points_books_journal().id,
                "line_ids": [
                    fields.Command.create(vals)
                    for vals in company._loyalty_points_books_line_vals(
                        10.0, company.loyalty_points_expense_account_id, "by hand"
                    )
                ],
            }
        )
        move.action_post()
        found = self.assertReported("books:")
        self.assertIn(f"centre {company.id} ", found[0])

    def test_programs_filter(self):
        """Checking other programs leaves this program's violations out."""
        self._write(kind="adjust", points=-250.0)
        # sudo: a program of no company, that this test's user may not create.
        other = self.program.sudo().copy({"name": "Other club", "company_ids": []})
        self.assertReported("overspent:", violations(self.env, programs=self.program))
        self.assertEqual(
            [
                line
                for line in violations(self.env, programs=other)
                if not line.startswith("books:")
            ],
            [],
        )
        self.assertEqual(violations(self.env, programs=[]), [])

    def test_cumulative_credit_note_reverses_its_ticket_only(self):
        """In cumulative mode, a credit note on the first of two tickets reverses
        no more than that ticket earned. At 1 point per 10.00, 15.00 earns 1 point
        and another 15.00 earns 2 (30.00 is 3 steps); crediting the first ticket
        in full leaves 1 point for 15.00, the second ticket giving back the step
        the first completed (it was one reversal of -2 naming the earning of 1)."""
        self.program.write(
            {
                "rate_type": "per_step",
                "step_amount": 10.0,
                "step_points": 1.0,
                "mode": "cumulative",
            }
        )
        first = self._invoice([15.0], partner=self.other)
        self._pay(first)
        self._pay(self._invoice([15.0], partner=self.other))
        self._reverse(first).action_post()
        self.assertEqual(self._points(self.other), 1.0)
        self.assertEqual(violations(self.env), [])
