# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestAdjust(LoyaltyPointsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        users = {
            "company_id": company.id,
            "company_ids": [Command.set(company.ids)],
        }
        cls.manager = new_test_user(
            cls.env,
            "lp_adjust_manager",
            groups="base.group_user,loyalty_points.group_loyalty_points_manager",
            **users,
        )
        cls.user = new_test_user(
            cls.env,
            "lp_adjust_user",
            groups="base.group_user,loyalty_points.group_loyalty_points_user",
            **users,
        )

    def _wizard(self, points, reason="Goodwill", user=None, **vals):
        return (
            self.env["loyalty.points.adjust.wizard"]
            .with_user(user or self.manager)
            .with_context(active_model="res.partner", active_id=self.contact.id)
            .create({"points": points, "reason": reason, **vals})
        )

    def _notes(self):
        return self.customer.message_ids.filtered(
            lambda m: "loyalty points" in (m.body or "")
        )

    def _refused(self, wizard, error=UserError):
        """``wizard`` is refused with ``error`` and writes nothing."""
        entries = self._entries()
        notes = self._notes()
        with self.assertRaises(error):
            wizard.action_apply()
        self.assertEqual(self._entries(), entries)
        self.assertEqual(self._notes(), notes)

    def test_grant_with_expiry_date(self):
        """A grant is an adjust lot of the customer's commercial entity, spendable at
        once, expiring on the date given, and noted in the chatter."""
        expiry = self.today + timedelta(days=10)
        self.program.pending_hours = 24
        wizard = self._wizard(50, expiry_date=expiry)
        self.assertEqual(wizard.partner_id, self.customer)
        wizard.action_apply()
        entry = self._entries()
        self.assertRecordValues(
            entry,
            [
                {
                    "kind": "adjust",
                    "points": 50.0,
                    "reason": "Goodwill",
                    "expiry_date": expiry,
                    "partner_id": self.customer.id,
                    "program_id": self.program.id,
                    "company_id": self.env.company.id,
                    "user_id": self.manager.id,
                }
            ],
        )
        self.assertLessEqual(entry.available_date, fields.Datetime.now())
        self.assertEqual(self.customer.loyalty_points_available, 50.0)
        note = self._notes()
        self.assertEqual(len(note), 1)
        self.assertIn("50 loyalty points granted", note.body)
        self.assertIn("Goodwill", note.body)
        self.assertIn("New balance: 50 points", note.body)
        self.assertEqual(note.author_id, self.manager.partner_id)

    def test_grant_program_expiry(self):
        """Without a date, a grant expires after the program's expiry days."""
        self.program.expiry_days = 90
        self._wizard(20).action_apply()
        entry = self._entries()
        self.assertEqual(entry.expiry_date, (entry.date + timedelta(days=90)).date())

    def test_deduct_fifo(self):
        """A deduction takes from the lots that expire first and is noted with the
        new balance."""
        self._wizard(50, expiry_date=self.today + timedelta(days=60)).action_apply()
        self._wizard(100, expiry_date=self.today + timedelta(days=30)).action_apply()
        lot_b, lot_a = self._entries()
        self._wizard(-120, reason="Returned goods").action_apply()
        deduction = self._entries()[-1]
        self.assertRecordValues(
            deduction, [{"kind": "adjust", "points": -120.0, "expiry_date": False}]
        )
        self.assertEqual(
            sorted(deduction.allocation_ids.mapped(lambda a: (a.lot_id.id, a.points))),
            sorted([(lot_a.id, 100.0), (lot_b.id, 20.0)]),
        )
        self.assertEqual(self._points(), 30.0)
        self.assertIn("120 loyalty points deducted", self._notes()[0].body)
        self.assertIn("New balance: 30 points", self._notes()[0].body)

    def test_deduct_all_available(self):
        """A deduction may take the available balance to zero, not below."""
        self._wizard(30).action_apply()
        self._refused(self._wizard(-30.01))
        self._wizard(-30).action_apply()
        self.assertEqual(self._points(), 0.0)

    def test_deduct_beyond_available_refused(self):
        """A deduction larger than the available points is refused and writes
        nothing."""
        self._wizard(30).action_apply()
        wizard = self._wizard(-50)
        with self.assertRaisesRegex(UserError, "Only 30 points are available"):
            wizard.action_apply()
        self.assertEqual(self._points(), 30.0)
        self.assertEqual(len(self._entries()), 1)

    def test_pending_points_cannot_be_deducted(self):
        """Points still pending are not available for a deduction."""
        self.program.pending_hours = 24
        self.env["loyalty.points.entry"]._write_entries(
            [
                {
                    "partner_id": self.customer.id,
                    "program_id": self.program.id,
                    "points": 100,
                    "kind": "earn",
                }
            ]
        )
        wizard = self._wizard(-10)
        self.assertEqual(wizard.balance, 100.0)
        self.assertEqual(wizard.available, 0.0)
        self._refused(wizard)

    def test_zero_refused(self):
        """Zero points are refused."""
        self._refused(self._wizard(0))

    def test_reason_required(self):
        """A blank reason is refused."""
        self._refused(self._wizard(10, reason="   "))

    def test_past_expiry_refused(self):
        """A grant cannot expire in the past."""
        self._refused(self._wizard(10, expiry_date=self.today - timedelta(days=1)))

    def test_only_managers(self):
        """Users who are not loyalty managers can neither open the wizard nor
        apply it, even from code running as superuser on their behalf."""
        with self.assertRaises(AccessError):
            self._wizard(10, user=self.user)
        wizard = self._wizard(10)
        self._refused(wizard.with_user(self.user).sudo(), AccessError)
        self._refused(wizard.with_user(self.user), AccessError)

    def test_partner_action(self):
        """The partner's action opens the wizard on its commercial entity; the
        wizard is in the partner's Action menu for managers only."""
        action = self.contact.action_loyalty_points_adjust()
        self.assertEqual(action["res_model"], "loyalty.points.adjust.wizard")
        self.assertEqual(action["target"], "new")
        self.assertEqual(action["context"]["default_partner_id"], self.customer.id)
        record = self.env.ref("loyalty_points.loyalty_points_adjust_wizard_action")
        self.assertEqual(record.binding_model_id.model, "res.partner")
        self.assertEqual(
            record.groups_id,
            self.env.ref("loyalty_points.group_loyalty_points_manager"),
        )
        wizard = (
            self.env["loyalty.points.adjust.wizard"]
            .with_user(self.manager)
            .with_context(**action["context"])
            .create({"points": 5, "reason": "Birthday"})
        )
        self.assertEqual(wizard.partner_id, self.customer)
        self.assertEqual(wizard.program_id, self.program)
