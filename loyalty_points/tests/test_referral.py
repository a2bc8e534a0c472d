# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestReferral(LoyaltyPointsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.referral_points = 500
        cls.referrer = cls.env["res.partner"].create(
            {"name": "Referrer B", "is_company": True}
        )
        cls.customer.loyalty_points_referred_by_id = cls.referrer

    def _referrals(self):
        return self._entries(self.referrer)

    # ------------------------------------------------------------------ earning
    def test_first_paid_ticket_earns_referral(self):
        """The referred customer's first paid ticket earns the referrer the
        program's referral points, as a lot with the program's dates."""
        self.program.pending_hours = 24
        invoice = self._invoice([100.0])
        self.assertFalse(self._referrals(), "an unpaid ticket gives nothing")
        self._pay(invoice)
        entry = self._referrals()
        self.assertEqual(
            (entry.kind, entry.points, entry.referral_partner_id, entry.program_id),
            ("referral", 500, self.customer, self.program),
        )
        self.assertEqual(entry.reason, "Referral: Customer A")
        self.assertFalse(entry.move_id, "the referral is not the ticket's earning")
        self.assertEqual(entry.origin, invoice.name)
        self.assertEqual(entry.available_date, entry.date + timedelta(hours=24))
        self.assertEqual(entry.expiry_date, (entry.date + timedelta(days=365)).date())
        self.assertEqual(self._points(), 200, "the customer earns as usual")
        self.assertEqual(self.referrer.loyalty_points_balance, 500)

    def test_ticket_of_a_contact(self):
        """A contact's ticket counts for its company, whose referrer earns."""
        self._pay(self._invoice([100.0], partner=self.contact))
        self.assertEqual(self._referrals().referral_partner_id, self.customer)

    def test_referrer_contact_earns_on_its_company(self):
        """Referral points go to the referrer's commercial entity."""
        person = self.env["res.partner"].create(
            {"name": "Person of B", "parent_id": self.referrer.id}
        )
        customer = self.env["res.partner"].create(
            {"name": "Customer C", "loyalty_points_referred_by_id": person.id}
        )
        self._pay(self._invoice([100.0], partner=customer))
        self.assertEqual(self._referrals().referral_partner_id, customer)

    def test_not_on_second_ticket(self):
        """Only the first ticket earns the referral."""
        self._pay(self._invoice([100.0]))
        self._pay(self._invoice([300.0]))
        self.assertEqual(len(self._referrals()), 1)
        self.assertEqual(self.referrer.loyalty_points_balance, 500)

    def test_not_twice_when_synced_again(self):
        """Syncing the first ticket again, or granting again, writes nothing."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        for _i in range(2):
            invoice._loyalty_points_sync()
            invoice._invoice_paid_hook()
        earn = self._entries().filtered(lambda e: e.kind == "earn")
        self.assertFalse(self.env["loyalty.points.entry"]._grant_referrals(earn))
        self.assertEqual(len(self._referrals()), 1)

    def test_no_referral_points_no_referral(self):
        """A program without referral points gives nothing, even once it has some:
        the first ticket was then."""
        self.program.referral_points = 0
        self._pay(self._invoice([100.0]))
        self.program.referral_points = 500
        self._pay(self._invoice([100.0]))
        self.assertFalse(self._referrals())

    def test_referrer_set_after_first_ticket(self):
        """A customer who had already earned was not brought by the referrer: no
        referral on a later ticket."""
        customer = self.env["res.partner"].create({"name": "Old customer"})
        self._pay(self._invoice([100.0], partner=customer))
        customer.loyalty_points_referred_by_id = self.referrer
        self._pay(self._invoice([100.0], partner=customer))
        self.assertFalse(self._referrals())

    def test_program_off_no_referral(self):
        """A program that is off earns nothing, referrals included."""
        self.program.state = "off"
        self._pay(self._invoice([100.0]))
        self.assertFalse(self._referrals())

    def test_refund_keeps_referral(self):
        """A credit note on the first ticket takes its points back, not the
        referral."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        refund = invoice._reverse_moves()
        refund.action_post()
        self.assertEqual(self._points(), 0)
        self.assertEqual(self.referrer.loyalty_points_balance, 500)
        self.assertEqual(len(self._referrals()), 1)

    def test_unique_index(self):
        """The database refuses a second referral entry for the same customer."""
        self._pay(self._invoice([100.0]))
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.env["loyalty.points.entry"]._write_entries(
                [
                    {
                        "partner_id": self.referrer.id,
                        "program_id": self.program.id,
                        "kind": "referral",
                        "points": 500,
                        "referral_partner_id": self.customer.id,
                    }
                ]
            )
        self.assertEqual(self.referrer.loyalty_points_balance, 500)

    def test_referral_points_not_negative(self):
        """Negative referral points are refused."""
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.program.referral_points = -1
            self.program.flush_recordset()
        self.program.invalidate_recordset()
        self.assertEqual(self.program.referral_points, 500)

    # ------------------------------------------------------------------ referred by
    def test_cannot_refer_itself(self):
        """A customer cannot be referred by itself nor by its own contacts."""
        other = self.env["res.partner"].create({"name": "New", "is_company": True})
        person = self.env["res.partner"].create(
            {"name": "Person of New", "parent_id": other.id}
        )
        for partner, referrer in ((other, other), (other, person), (person, other)):
            with self.subTest(partner=partner.name, referrer=referrer.name):
                with self.assertRaises(ValidationError) as error:
                    with self.cr.savepoint():
                        partner.loyalty_points_referred_by_id = referrer
                self.assertIn("cannot refer itself", str(error.exception))
        other.invalidate_recordset()
        self.assertFalse(other.loyalty_points_referred_by_id)

    def test_referrer_cannot_change(self):
        """Once saved, the referrer can be neither changed nor cleared."""
        other = self.env["res.partner"].create({"name": "Someone else"})
        for value in (other.id, False):
            with self.subTest(value=value), self.assertRaises(UserError) as error:
                self.customer.write({"loyalty_points_referred_by_id": value})
            self.assertIn("cannot be changed", str(error.exception))
        self.customer.write({"loyalty_points_referred_by_id": self.referrer.id})
        self.assertEqual(self.customer.loyalty_points_referred_by_id, self.referrer)

    def test_referrer_tracked(self):
        """Setting the referrer is logged in the customer's chatter."""
        # The test classes disable tracking by default.
        customer = (
            self.env["res.partner"]
            .with_context(tracking_disable=False, mail_notrack=False)
            .create({"name": "Tracked"})
        )
        # Tracking is written before the commit; a record is not tracked in the
        # transaction that creates it.
        self.env.flush_all()
        self.env.cr.precommit.run()
        customer.loyalty_points_referred_by_id = self.referrer
        self.env.flush_all()
        self.env.cr.precommit.run()
        customer.invalidate_recordset(["message_ids"])
        tracked = customer.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "loyalty_points_referred_by_id"
        )
        self.assertEqual(tracked.new_value_char, "Referrer B")

    def test_form_locks_saved_referrer(self):
        """The partner form lets staff pick a referrer, then shows it read-only."""
        with Form(self.env["res.partner"]) as form:
            form.name = "Newcomer"
            form.loyalty_points_referred_by_id = self.referrer
        partner = form.record
        self.assertEqual(partner.loyalty_points_referred_by_id, self.referrer)
        self.assertTrue(partner.loyalty_points_referral_locked)
        with Form(partner) as form, self.assertRaises(AssertionError):
            form.loyalty_points_referred_by_id = self.customer

    def test_merge_referred_customer(self):
        """Merging a referred customer whose referral was paid keeps the ledger."""
        self._pay(self._invoice([100.0]))
        twin = self.env["res.partner"].create(
            {"name": "Customer A twin", "is_company": True}
        )
        wizard = self.env["base.partner.merge.automatic.wizard"].create(
            {
                "partner_ids": [Command.set((self.customer | twin).ids)],
                "dst_partner_id": twin.id,
                "state": "selection",
            }
        )
        wizard.action_merge()
        self.assertEqual(self._referrals().referral_partner_id, twin)
        self.assertEqual(self._points(twin), 200)
        self.assertEqual(self.referrer.loyalty_points_balance, 500)

    def test_merge_two_referred_customers(self):
        """Two duplicates of one customer, each referred and each with a paid first
        ticket, merge: the referrer keeps both referrals' points, the survivor keeps
        one referral link, and a later ticket brings no third referral."""
        twin = self.env["res.partner"].create(
            {
                "name": "Customer A twin",
                "is_company": True,
                "loyalty_points_referred_by_id": self.referrer.id,
            }
        )
        self._pay(self._invoice([100.0]))
        self._pay(self._invoice([100.0], partner=twin))
        referrals = self._referrals()
        self.assertEqual(len(referrals), 2)
        wizard = self.env["base.partner.merge.automatic.wizard"].create(
            {
                "partner_ids": [Command.set((self.customer | twin).ids)],
                "dst_partner_id": twin.id,
                "state": "selection",
            }
        )
        wizard.action_merge()
        self.assertFalse(self.customer.exists())
        self.assertEqual(self._referrals(), referrals, "no entry is lost")
        self.assertEqual(
            [entry.referral_partner_id.id for entry in referrals.sorted("id")],
            [False, twin.id],
        )
        self.assertEqual(self.referrer.loyalty_points_balance, 1000)
        self.assertEqual(self._points(twin), 400)
        self._pay(self._invoice([100.0], partner=twin))
        self.assertEqual(len(self._referrals()), 2)
        self.assertEqual(self._points(twin), 600)
