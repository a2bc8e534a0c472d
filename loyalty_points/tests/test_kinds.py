# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import os
from datetime import timedelta

import psycopg2

from odoo.exceptions import AccessError
from odoo.modules.migration import load_script
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .test_redeem import LoyaltyRedeemCommon

MIGRATIONS = os.path.join(
    os.path.dirname(os.path.dirname(__file__)), "migrations", "18.0.1.1.0"
)
MIGRATION = os.path.join(MIGRATIONS, "pre-migrate.py")


@tagged("post_install", "-at_install")
class TestKinds(LoyaltyRedeemCommon):
    """Each source of points writes its own kind; a reversal names the one entry it
    undoes. The customer starts with 10,000 points (one ``earn``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.referrer = cls.env["res.partner"].create({"name": "Referrer"})
        cls.program.referral_points = 50
        cls.reward = cls.env["loyalty.points.reward"].create(
            {"name": "Free polish", "points_cost": 300}
        )
        cls.action = cls.env["ir.actions.server"].create(
            {
                "name": "Birthday points",
                "model_id": cls.env["ir.model"]._get_id("res.partner"),
                "state": "loyalty_points",
                "loyalty_points_amount": 20,
                "loyalty_points_reason": "Happy birthday",
            }
        )

    def _kinds(self, entries):
        return [(e.kind, e.points, e.reversed_entry_id.id) for e in entries]

    def _new(self, before, partner=None):
        return self._entries(partner) - before

    def test_invoice_earns_and_credit_note_reverses(self):
        """A paid invoice writes ``earn``; its credit note a ``reverse`` of that
        earning; cancelling the credit note a ``reverse`` of that reversal."""
        before = self._entries()
        invoice = self._invoice([100.0])
        self._pay(invoice)
        earn = self._new(before)
        self.assertEqual(self._kinds(earn), [("earn", 200.0, False)])
        refund = self._reverse(invoice)
        refund.invoice_line_ids.price_unit = 25.0
        refund.action_post()
        drop = self._new(before) - earn
        self.assertEqual(self._kinds(drop), [("reverse", -50.0, earn.id)])
        refund.button_draft()
        rise = self._new(before) - earn - drop
        self.assertEqual(self._kinds(rise), [("reverse", 50.0, drop.id)])
        self.assertEqual(invoice.loyalty_points, 200.0)
        # A second credit note reverses the earning again, not the undoing.
        refund.action_post()
        again = self._new(before) - earn - drop - rise
        self.assertEqual(self._kinds(again), [("reverse", -50.0, earn.id)])

    def test_unpaid_invoice_reverses_the_earning(self):
        """Taking the payment off reverses the earning; paying again earns anew."""
        before = self._entries()
        invoice = self._invoice([100.0])
        payment = self._pay(invoice)
        earn = self._new(before)
        payment.action_draft()
        payment.action_cancel()
        undo = self._new(before) - earn
        self.assertEqual(self._kinds(undo), [("reverse", -200.0, earn.id)])
        self._pay(invoice)
        second = self._new(before) - earn - undo
        self.assertEqual(
            [(e.kind, e.points, e.earn_cycle) for e in second], [("earn", 200.0, 1)]
        )

    def test_referral(self):
        """A referrer's points for a referred customer's first ticket: ``referral``."""
        newcomer = self.env["res.partner"].create(
            {"name": "Newcomer", "loyalty_points_referred_by_id": self.referrer.id}
        )
        self._pay(self._invoice([10.0], partner=newcomer))
        entry = self._entries(self.referrer)
        self.assertRecordValues(
            entry,
            [{"kind": "referral", "points": 50.0, "referral_partner_id": newcomer.id}],
        )
        self.assertEqual(self._entries(newcomer).kind, "earn")

    def test_grant_by_automation(self):
        """The server action writes ``grant``; the managers' wizard ``adjust``."""
        before = self._entries()
        self.action.with_context(
            active_model="res.partner",
            active_ids=self.customer.ids,
            active_id=self.customer.id,
        ).run()
        self.assertEqual(self._kinds(self._new(before)), [("grant", 20.0, False)])
        manager = new_test_user(
            self.env,
            "lp_kinds_manager",
            groups="base.group_user,loyalty_points.group_loyalty_points_manager",
        )
        before = self._entries()
        self.env["loyalty.points.adjust.wizard"].with_user(manager).create(
            {"partner_id": self.customer.id, "points": -5, "reason": "Typo"}
        ).action_apply()
        self.assertEqual(self._kinds(self._new(before)), [("adjust", -5.0, False)])

    def test_points_payment_and_its_cancellation(self):
        """A points payment writes ``redeem``; cancelling it a ``reverse`` of it."""
        before = self._entries()
        payment = self._pay_points(self._invoice([50.0]), 20.0)
        redeem = self._new(before)
        self.assertEqual(self._kinds(redeem), [("redeem", -2000.0, False)])
        payment.action_draft()
        back = self._new(before) - redeem
        self.assertEqual(self._kinds(back), [("reverse", 2000.0, redeem.id)])

    def test_reward_and_its_give_back(self):
        """A reward writes ``redeem``; cancelling its invoice a ``reverse`` of it."""
        invoice = self._invoice([100.0], post=False)
        before = self._entries()
        invoice._loyalty_points_redeem_reward(self.reward)
        redeem = self._new(before)
        self.assertEqual(self._kinds(redeem), [("redeem", -300.0, False)])
        invoice.button_cancel()
        back = self._new(before) - redeem
        self.assertEqual(self._kinds(back), [("reverse", 300.0, redeem.id)])

    def test_refund_paid_in_points(self):
        """A refund paid out in points writes ``refund``; cancelling the payment a
        ``reverse`` of it."""
        refund = self._invoice([30.0], move_type="out_refund")
        before = self._entries()
        payment = self._pay(refund, journal=self.points_journal)
        given = self._new(before)
        self.assertEqual(self._kinds(given), [("refund", 3000.0, False)])
        payment.action_draft()
        back = self._new(before) - given
        self.assertEqual(self._kinds(back), [("reverse", -3000.0, given.id)])

    def test_expiry(self):
        """What the nightly job takes is ``expire``."""
        lot = self._entries().filtered(lambda e: e.kind == "earn")
        Entry = self.env["loyalty.points.entry"]
        Entry._cron_expire_points(today=lot.expiry_date + timedelta(days=1))
        expired = self._entries().filtered(lambda e: e.expired_lot_id)
        self.assertEqual(
            (expired.kind, expired.points, expired.expired_lot_id),
            ("expire", -10000.0, lot),
        )

    def test_a_reversal_names_its_entry(self):
        """The database refuses a reversal that names no entry, an entry that names
        one without being a reversal, and a reversal of the same sign."""
        earn = self._entries()[:1]
        Entry = self.env["loyalty.points.entry"]
        base = {
            "partner_id": self.customer.id,
            "program_id": self.program.id,
            "reason": "wrong",
        }
        wrong = [
            dict(base, kind="reverse", points=-5),
            dict(base, kind="adjust", points=-5, reversed_entry_id=earn.id),
            dict(base, kind="reverse", points=5, reversed_entry_id=earn.id),
            dict(base, kind="earn", points=-5),
            dict(base, kind="redeem", points=5),
        ]
        for vals in wrong:
            with (
                self.subTest(vals=vals),
                mute_logger("odoo.sql_db"),
                self.assertRaises(psycopg2.IntegrityError),
                self.env.cr.savepoint(),
            ):
                Entry._write_entries([vals])
                self.env.flush_all()
        ok = Entry._write_entries(
            [dict(base, kind="reverse", points=-5, reversed_entry_id=earn.id)]
        )
        self.assertEqual(ok.reversed_entry_id, earn)

    def test_migration_of_entries_written_the_old_way(self):
        """The 18.0.1.1.0 migration gives entries written by the earlier version
        (referral as ``earn``, grant as ``adjust``, refund and the invoice's own
        reversals as ``reverse`` of nothing) the kinds this version writes."""
        # Every kind of entry, written by this version's code paths.
        newcomer = self.env["res.partner"].create(
            {"name": "Newcomer", "loyalty_points_referred_by_id": self.referrer.id}
        )
        self._pay(self._invoice([10.0], partner=newcomer))
        self.action.with_context(
            active_model="res.partner", active_ids=self.customer.ids
        ).run()
        invoice = self._invoice([100.0])
        self._pay(invoice)
        refund = self._reverse(invoice)
        refund.invoice_line_ids.price_unit = 25.0
        refund.action_post()
        refund.button_draft()
        self._pay(
            self._invoice([30.0], move_type="out_refund"), journal=self.points_journal
        )
        payment = self._pay_points(self._invoice([50.0]), 20.0)
        payment.action_draft()
        self.env.flush_all()
        Entry = self.env["loyalty.points.entry"]
        expected = {e.id: (e.kind, e.reversed_entry_id.id) for e in Entry.search([])}
        self.assertEqual(
            {kind for kind, _reversed in expected.values()},
            {"earn", "referral", "grant", "refund", "redeem", "reverse"},
        )
        # Put them back the way the earlier version wrote them, without the
        # constraints it did not have (all of it is rolled back with the test).
        cr = self.env.cr
        cr.execute(
            """
            ALTER TABLE loyalty_points_entry
                DROP CONSTRAINT loyalty_points_entry_reverse_names_entry,
                DROP CONSTRAINT loyalty_points_entry_kind_sign;
            ALTER TABLE loyalty_points_entry
                DISABLE TRIGGER loyalty_points_entry_immutable;
            UPDATE loyalty_points_entry SET kind = 'earn' WHERE kind = 'referral';
            UPDATE loyalty_points_entry SET kind = 'adjust' WHERE kind = 'grant';
            UPDATE loyalty_points_entry SET kind = 'reverse' WHERE kind = 'refund';
            UPDATE loyalty_points_entry e SET reversed_entry_id = NULL
              FROM loyalty_points_entry r
             WHERE r.id = e.reversed_entry_id AND r.kind IN ('earn', 'reverse');
            ALTER TABLE loyalty_points_entry
                ENABLE TRIGGER loyalty_points_entry_immutable;
            """
        )
        Entry.invalidate_model()
        self.assertNotEqual(
            {e.id: (e.kind, e.reversed_entry_id.id) for e in Entry.search([])},
            expected,
        )
        migration = load_script(MIGRATION, "loyalty_points_pre_migrate")
        migration.migrate(cr, "18.0.1.0.0")
        Entry.invalidate_model()
        self.assertEqual(
            {e.id: (e.kind, e.reversed_entry_id.id) for e in Entry.search([])},
            expected,
        )
        # The converted rows satisfy the constraints of this version.
        cr.execute(
            SQL(
                """ALTER TABLE loyalty_points_entry
                       ADD CONSTRAINT loyalty_points_entry_reverse_names_entry
                       CHECK ((kind = 'reverse') = (reversed_entry_id IS NOT NULL))"""
            )
        )

    def test_migration_makes_the_points_journal_a_bank_journal(self):
        """The 18.0.1.1.0 migration turns a points journal created as a cash
        journal by the earlier version into a bank journal, accounts unchanged."""
        journal = self.points_journal
        accounts = (
            journal.default_account_id,
            journal.inbound_payment_method_line_ids.payment_account_id,
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_journal SET type = 'cash' WHERE id = %s", [journal.id]
        )
        journal.invalidate_recordset()
        migration = load_script(
            os.path.join(MIGRATIONS, "post-migrate.py"), "loyalty_points_post_migrate"
        )
        migration.migrate(self.env.cr, "18.0.1.0.0")
        journal.invalidate_recordset()
        self.assertEqual(journal.type, "bank")
        self.assertEqual(
            (
                journal.default_account_id,
                journal.inbound_payment_method_line_ids.payment_account_id,
            ),
            accounts,
        )

    def test_name_search(self):
        """Searching entries by name (any many2one box) answers, by customer."""
        found = self.env["loyalty.points.entry"].name_search("Customer A")
        self.assertEqual(
            {entry_id for entry_id, _name in found}, set(self._entries().ids)
        )
        self.assertIn("10,000", found[0][1])

    def test_program_lookup_in_the_callers_rights(self):
        """The program of a company comes in the caller's environment: a user
        without loyalty rights cannot read it."""
        employee = new_test_user(
            self.env, "lp_kinds_employee", groups="base.group_user"
        )
        clerk = new_test_user(
            self.env,
            "lp_kinds_clerk",
            groups="base.group_user,account.group_account_invoice",
        )
        Program = self.env["loyalty.points.program"]
        program = Program.with_user(clerk)._program_for_company()
        self.assertEqual(program, self.program)
        self.assertFalse(program.env.su)
        self.assertEqual(program.env.user, clerk)
        self.assertEqual(program.name, "Test Club")
        hidden = Program.with_user(employee)._program_for_company()
        self.assertFalse(hidden.env.su)
        with self.assertRaises(AccessError):
            hidden.read(["name"])
        # The clerk's redemption is written in the clerk's name.
        before = self._entries()
        self.env["account.payment.register"].with_user(clerk).with_context(
            active_model="account.move", active_ids=self._invoice([50.0]).ids
        ).create(
            {"journal_id": self.points_journal.id, "amount": 20.0}
        )._create_payments()
        self.assertEqual(self._new(before).user_id, clerk)
