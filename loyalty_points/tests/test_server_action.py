# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestServerAction(LoyaltyPointsCommon):
    """The "Grant loyalty points" server action, for automation rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A second company with its chart of accounts, built once for the class.
        cls.other_company = cls.setup_other_company(name="Other centre")["company"]
        cls.other = cls.env["res.partner"].create({"name": "Customer B"})
        cls.action = cls._action(
            name="Birthday points",
            loyalty_points_amount=50,
            loyalty_points_expiry_days=30,
            loyalty_points_reason="Happy birthday",
        )

    @classmethod
    def _action(cls, model="res.partner", **vals):
        return cls.env["ir.actions.server"].create(
            {
                "name": "Grant points",
                "model_id": cls.env["ir.model"]._get_id(model),
                "state": "loyalty_points",
                "loyalty_points_amount": 10,
                "loyalty_points_reason": "Thanks",
                **vals,
            }
        )

    def _run(self, records, action=None):
        return (
            (action or self.action)
            .with_context(
                active_model=records._name,
                active_ids=records.ids,
                active_id=records[:1].id,
            )
            .run()
        )

    def test_grant_to_partners(self):
        """Each partner gets an adjust lot with the action's points, reason and
        expiry, spendable at once, in the current company's program."""
        self.program.pending_hours = 24
        self._run(self.customer | self.other)
        expiry = fields.Date.context_today(self.action) + timedelta(days=30)
        for partner in (self.customer, self.other):
            entry = self._entries(partner)
            self.assertRecordValues(
                entry,
                [
                    {
                        "kind": "grant",
                        "points": 50.0,
                        "reason": "Happy birthday",
                        "expiry_date": expiry,
                        "program_id": self.program.id,
                        "company_id": self.env.company.id,
                        "origin": "Birthday points",
                    }
                ],
            )
            self.assertLessEqual(entry.available_date, fields.Datetime.now())
            self.assertEqual(partner.loyalty_points_available, 50)

    def test_contact_grants_its_company(self):
        """Run on a contact, the points go to its commercial entity."""
        self._run(self.contact)
        self.assertEqual(self._points(self.customer), 50)
        self.assertFalse(self._entries(self.contact))

    def test_one_grant_per_record(self):
        """Two records of the same customer grant twice."""
        self._run(self.customer | self.contact)
        self.assertEqual(self._entries().mapped("points"), [50.0, 50.0])

    def test_program_expiry_by_default(self):
        """Without expiry days, the program's expiry period applies."""
        action = self._action(loyalty_points_expiry_days=0)
        self.program.expiry_days = 90
        self._run(self.customer, action)
        self.assertEqual(self._entries().expiry_date, self.today + timedelta(days=90))
        self.program.expiry_days = 0
        self._run(self.other, action)
        self.assertFalse(self._entries(self.other).expiry_date)

    def test_document_with_customer(self):
        """Run on a document, the points go to its customer."""
        invoice = self._invoice([10.0], partner=self.other, post=False)
        action = self._action(model="account.move", loyalty_points_amount=25)
        self._run(invoice, action)
        self.assertEqual(self._entries(self.other).points, 25)

    def test_record_company_program(self):
        """A record of another company grants in that company's program."""
        other_company = self.other_company
        self.env.user.company_ids |= other_company
        other_program = self.env["loyalty.points.program"].create(
            {
                "name": "Second club",
                "state": "on",
                "company_ids": [Command.set(other_company.ids)],
            }
        )
        self.other.company_id = other_company
        self._run(self.other)
        entry = self._entries(self.other)
        self.assertEqual(
            (entry.program_id, entry.company_id), (other_program, other_company)
        )

    def test_program_off_or_test(self):
        """A program that is off grants nothing; in test it grants."""
        self.program.state = "off"
        self._run(self.customer)
        self.assertFalse(self._entries())
        self.program.state = "test"
        self._run(self.customer)
        self.assertEqual(self._points(), 50)

    def test_model_without_customer(self):
        """A model without customer is refused when the action is saved, and when
        it runs on such records."""
        with self.assertRaisesRegex(ValidationError, "Currency records have none"):
            self._action(model="res.currency")
        code_action = self.env["ir.actions.server"].create(
            {
                "name": "Code",
                "model_id": self.env["ir.model"]._get_id("res.currency"),
                "state": "code",
                "code": "pass",
            }
        )
        with self.assertRaises(ValidationError):
            code_action.write(
                {
                    "state": "loyalty_points",
                    "loyalty_points_amount": 5,
                    "loyalty_points_reason": "x",
                }
            )
        count = self.env["loyalty.points.entry"].search_count([])
        currency = self.env.company.currency_id
        with self.assertRaisesRegex(UserError, "run the action on contacts"):
            self.action._run_action_loyalty_points_multi({"records": currency})
        self.assertEqual(self.env["loyalty.points.entry"].search_count([]), count)

    def test_validation(self):
        """Points must be positive, expiry days not negative, a reason given."""
        for vals, message in (
            ({"loyalty_points_amount": 0}, "greater than zero"),
            ({"loyalty_points_amount": -5}, "greater than zero"),
            ({"loyalty_points_expiry_days": -1}, "cannot be negative"),
            ({"loyalty_points_reason": False}, "reason"),
            ({"loyalty_points_reason": "   "}, "reason"),
        ):
            with self.subTest(vals=vals):
                with self.assertRaisesRegex(ValidationError, message):
                    self._action(**vals)
                action = self._action()
                with self.assertRaisesRegex(ValidationError, message):
                    action.write(vals)

    def test_other_types_not_checked(self):
        """The points settings matter only for points actions."""
        action = self.env["ir.actions.server"].create(
            {
                "name": "Code",
                "model_id": self.env["ir.model"]._get_id("res.currency"),
                "state": "code",
                "code": "pass",
            }
        )
        self.assertEqual(action.loyalty_points_amount, 0)

    def test_available_models(self):
        """A points action can be set on contacts and documents with a customer."""
        action = self.env["ir.actions.server"].new({"state": "loyalty_points"})
        models = action.available_model_ids.mapped("model")
        self.assertIn("res.partner", models)
        self.assertIn("account.move", models)
        self.assertNotIn("res.currency", models)

    def test_form(self):
        """The form shows the points settings for a points action."""
        with Form(self.env["ir.actions.server"]) as form:
            form.name = "Review points"
            form.model_id = self.env["ir.model"]._get("res.partner")
            form.state = "loyalty_points"
            form.loyalty_points_amount = 20
            form.loyalty_points_expiry_days = 60
            form.loyalty_points_reason = "Thanks for your review"
        action = form.record
        self._run(self.customer, action)
        self.assertRecordValues(
            self._entries(),
            [
                {
                    "points": 20.0,
                    "reason": "Thanks for your review",
                    "expiry_date": self.today + timedelta(days=60),
                }
            ],
        )

    def test_demo_welcome_points(self):
        """The demo action grants 100 welcome points."""
        action = self.env.ref(
            "loyalty_points.ir_actions_server_grant_welcome_points",
            raise_if_not_found=False,
        )
        if not action:
            self.skipTest("demo data not installed")
        self._run(self.customer, action)
        self.assertRecordValues(
            self._entries(),
            [{"kind": "grant", "points": 100.0, "reason": "Welcome to the club"}],
        )


class TestGrantAutomation(LoyaltyPointsCommon):
    def test_welcome_points_on_enrolment(self):
        """An automation rule on enrolment grants welcome points through the action,
        once per enrolment."""
        if "base.automation" not in self.env:
            self.skipTest("base_automation is not installed")
        Automation = self.env["base.automation"]
        field = self.env["ir.model.fields"]._get(
            "res.partner", "loyalty_points_enrolled"
        )
        rule = Automation.create(
            {
                "name": "Welcome points",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "trigger": "on_create_or_write",
                "trigger_field_ids": [Command.set(field.ids)],
                "filter_pre_domain": "[('loyalty_points_enrolled', '=', False)]",
                "filter_domain": "[('loyalty_points_enrolled', '=', True)]",
            }
        )
        self.env["ir.actions.server"].create(
            {
                "name": "Grant welcome points",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "base_automation_id": rule.id,
                "state": "loyalty_points",
                "loyalty_points_amount": 100,
                "loyalty_points_reason": "Welcome to the club",
            }
        )
        self.customer.loyalty_points_enrolled = True
        self.customer.name = "Customer A renamed"  # not an enrolment: nothing more
        self.assertRecordValues(
            self._entries(),
            [{"kind": "grant", "points": 100.0, "reason": "Welcome to the club"}],
        )
