# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta
from html import unescape

from odoo import Command, fields
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .test_redeem import LoyaltyRedeemCommon

NBSP = "\N{NO-BREAK SPACE}"


@tagged("post_install", "-at_install")
class TestPaymentMail(LoyaltyRedeemCommon):
    """The customer's e-mail after a payment with points."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "customer.a@example.com"
        cls.env.company.loyalty_points_mail_after_payment = True
        cls.template = cls.env.ref(
            "loyalty_points.mail_template_loyalty_points_payment"
        )

    def _mails(self, payment):
        """Messages e-mailed to the customer from ``payment``'s chatter."""
        return payment.message_ids.filtered(
            lambda m: m.message_type == "comment"
            and self.customer in m.partner_ids
            and m.subtype_id == self.env.ref("mail.mt_comment")
        )

    def test_mail_after_points_payment(self):
        """A points payment e-mails the customer its points and the balance left."""
        payment = self._pay_points(self._invoice([100.0]), 30.0)
        mail = self._mails(payment)
        self.assertEqual(len(mail), 1)
        body = unescape(mail.body)
        self.assertIn("3,000", body)
        self.assertIn(f"${NBSP}30.00", body)
        self.assertIn("Your balance is now", body)
        self.assertIn("7,000", body)
        self.assertIn(f"${NBSP}70.00", body)
        self.assertIn(payment.name, mail.subject)
        # The e-mail goes out: the customer has an e-mail notification.
        self.assertIn(
            self.customer,
            mail.notification_ids.filtered(
                lambda n: n.notification_type == "email"
            ).res_partner_id,
        )

    def test_each_payment_its_own_points_and_balance(self):
        """Two payments: each e-mail has its own points and the balance right after
        it, also when rendered again later."""
        first = self._pay_points(self._invoice([100.0]), 30.0)
        second = self._pay_points(self._invoice([100.0]), 20.0)
        body = unescape(self._mails(second).body)
        self.assertIn("2,000", body)
        self.assertIn("5,000", body)
        self.assertNotIn("3,000", body)
        again = unescape(self.template._render_field("body_html", first.ids)[first.id])
        self.assertIn("3,000", again)
        self.assertIn("7,000", again)
        self.assertNotIn("5,000", again)

    def test_option_off(self):
        """Without the company's option, the customer gets no e-mail."""
        self.env.company.loyalty_points_mail_after_payment = False
        payment = self._pay_points(self._invoice([100.0]), 30.0)
        self.assertFalse(self._mails(payment))
        self.assertEqual(payment.state, "in_process")

    def test_program_in_test_mode(self):
        """A program in test mode e-mails nothing: customers see nothing yet."""
        self.program.state = "test"
        payment = self._pay_points(self._invoice([100.0]), 30.0)
        self.assertEqual(self._entries()[-1].points, -3000)
        self.assertFalse(self._mails(payment))

    def test_customer_without_email(self):
        """A customer without an e-mail address is skipped; the payment goes on."""
        self.customer.email = False
        payment = self._pay_points(self._invoice([100.0]), 30.0)
        self.assertEqual(self._entries()[-1].points, -3000)
        self.assertFalse(
            payment.message_ids.filtered(lambda m: m.message_type == "comment")
        )

    def test_refund_paid_in_points(self):
        """A refund paid in points says how many points came back."""
        refund = self._invoice([30.0], move_type="out_refund")
        payment = self._pay(refund, journal=self.points_journal)
        body = unescape(self._mails(payment).body)
        self.assertIn("were returned to your account", body)
        self.assertIn("3,000", body)
        self.assertIn("13,000", body)

    def test_repost_mails_again(self):
        """A payment reset to draft and posted again e-mails its new taking, with
        the balance after it."""
        payment = self._pay_points(self._invoice([100.0]), 30.0)
        payment.action_draft()
        payment.action_post()
        mails = self._mails(payment)
        self.assertEqual(len(mails), 2)
        for mail in mails:
            self.assertIn("7,000", unescape(mail.body))

    def test_settings_option(self):
        """The Invoicing settings show and switch the company's option."""
        self.env.company.loyalty_points_mail_after_payment = False
        Settings = self.env["res.config.settings"]
        self.assertIn(
            'name="loyalty_points_mail_after_payment"', Settings.get_view()["arch"]
        )
        Settings.create({"loyalty_points_mail_after_payment": True}).execute()
        self.assertTrue(self.env.company.loyalty_points_mail_after_payment)


@tagged("post_install", "-at_install")
class TestPartnerMail(LoyaltyRedeemCommon):
    """The balance in any template, and the points statement."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "customer.a@example.com"
        cls.statement = cls.env.ref(
            "loyalty_points.mail_template_loyalty_points_statement"
        )

    def _partner(self, name, points=0):
        partner = self.env["res.partner"].create(
            {"name": name, "email": f"{name.lower()}@example.com"}
        )
        if points:
            self._adjust(partner, points)
        return partner

    def test_summary(self):
        """The summary says the available points and their worth."""
        self.assertEqual(
            self.customer._loyalty_points_summary(),
            f"10,000 points (${NBSP}100.00) available",
        )
        self.assertEqual(
            self.contact._loyalty_points_summary(),
            f"10,000 points (${NBSP}100.00) available",
            "a contact prints its company's points",
        )

    def test_summary_in_any_template(self):
        """A template of another model prints the customer's balance with
        ``object.partner_id._loyalty_points_summary()`` and the balance fields."""
        invoice = self._invoice([100.0])
        template = self.env["mail.template"].create(
            {
                "name": "Invoice with points",
                "model_id": self.env["ir.model"]._get_id("account.move"),
                "subject": "Points: {{ object.partner_id._loyalty_points_summary() }}",
                "body_html": "<p>Balance: "
                '<t t-out="object.partner_id.loyalty_points_balance"/> - '
                '<t t-out="object.partner_id._loyalty_points_summary()"/></p>',
            }
        )
        subject = template._render_field("subject", invoice.ids)[invoice.id]
        self.assertEqual(subject, f"Points: 10,000 points (${NBSP}100.00) available")
        body = unescape(template._render_field("body_html", invoice.ids)[invoice.id])
        self.assertIn("Balance: 10000.0", body)
        self.assertIn(f"10,000 points (${NBSP}100.00) available", body)

    def test_summary_pending_and_decimals(self):
        """Pending points are not available; fractions keep their decimals."""
        partner = self._partner("Pending")
        self._adjust(
            partner,
            40,
            available_date=fields.Datetime.now() + timedelta(days=1),
        )
        self._adjust(partner, 12.75)
        self.assertEqual(
            partner._loyalty_points_summary(), f"12.75 points (${NBSP}0.13) available"
        )

    def test_summary_without_program(self):
        """Without a program in the current company the summary is empty."""
        self.program.active = False
        self.assertEqual(self.customer._loyalty_points_summary(), "")

    def test_expiring_lots(self):
        """The next three expiry dates with what is left of their lots, one query;
        spent, expired and never-expiring points are left out."""
        partner = self._partner("Lots")
        day = self.today
        self._adjust(partner, 100, expiry_date=day + timedelta(days=30))
        self._adjust(partner, 50, expiry_date=day + timedelta(days=10))
        self._adjust(partner, 25, expiry_date=day + timedelta(days=10))
        self._adjust(partner, 70, expiry_date=day + timedelta(days=60))
        self._adjust(partner, 80, expiry_date=day + timedelta(days=90))
        # Past lot, and a lot that never expires.
        self._adjust(
            partner,
            5,
            expiry_date=day - timedelta(days=1),
            date=fields.Datetime.now() - timedelta(days=40),
        )
        self.program.expiry_days = 0
        self._adjust(partner, 1000)
        # Spending 100 takes the 75 expiring in 10 days, then 25 of the next lot
        # (the past lot cannot be spent).
        self.program._redeem(partner, 1.0)
        with self.assertQueryCount(1):
            expiring = partner._loyalty_points_expiring(self.program)
        self.assertEqual(
            expiring,
            [
                (day + timedelta(days=30), 75.0),
                (day + timedelta(days=60), 70.0),
                (day + timedelta(days=90), 80.0),
            ],
        )

    def test_statement_template(self):
        """The statement prints balance, pending, available, worth and expiries."""
        partner = self._partner("Statement")
        self._adjust(partner, 300, expiry_date=self.today + timedelta(days=10))
        self._adjust(
            partner,
            200,
            available_date=fields.Datetime.now() + timedelta(days=1),
            expiry_date=self.today + timedelta(days=20),
        )
        body = unescape(
            self.statement._render_field("body_html", partner.ids)[partner.id]
        )
        values = partner._loyalty_points_statement_values()
        self.assertEqual(
            (values["balance"], values["pending"], values["available"]),
            (500.0, 200.0, 300.0),
        )
        for text in (
            "500",
            "200",
            "300",
            f"${NBSP}3.00",
            "Test Club",
            values["expiring"][0]["date_text"],
            values["expiring"][1]["date_text"],
        ):
            self.assertIn(text, body)

    def test_send_statement_action(self):
        """The partner's action opens the composer with the statement; sending it
        posts the statement to the customer."""
        action = self.env.ref("loyalty_points.action_loyalty_points_send_statement")
        self.assertEqual(action.binding_model_id.model, "res.partner")
        result = action.with_context(
            active_model="res.partner",
            active_id=self.customer.id,
            active_ids=self.customer.ids,
        ).run()
        self.assertEqual(result["res_model"], "mail.compose.message")
        composer = (
            self.env["mail.compose.message"]
            .with_context(**result["context"])
            .create({})
        )
        self.assertEqual(composer.template_id, self.statement)
        self.assertEqual(composer.composition_mode, "comment")
        composer.action_send_mail()
        message = self.customer.message_ids[0]
        self.assertEqual(message.subject, "Your loyalty points statement")
        self.assertIn("10,000", unescape(message.body))
        self.assertIn(self.customer, message.partner_ids)

    def test_send_statement_action_several(self):
        """Several customers selected: the action opens the composer in mass mode."""
        other = self._partner("Other", 10)
        result = (self.customer | other).action_loyalty_points_send_statement()
        self.assertEqual(result["context"]["default_composition_mode"], "mass_mail")
        self.assertEqual(
            result["context"]["default_res_ids"], (self.customer | other).ids
        )

    def test_mass_mail_per_partner(self):
        """Customers selected by balance and sent the statement from the Contacts
        list (Action > Send email) each get their own balance."""
        partners = (
            self._partner("Small", 120)
            | self._partner("Medium", 4500)
            | self._partner("Large", 78000)
        )
        selected = self.env["res.partner"].search(
            [("id", "in", partners.ids), ("loyalty_points_balance", ">=", 100)]
        )
        self.assertEqual(selected, partners)
        send_email = self.env.ref("mail.action_partner_mass_mail")
        context = dict(
            safe_eval(send_email.context),
            active_model="res.partner",
            active_ids=selected.ids,
        )
        composer = (
            self.env["mail.compose.message"]
            .with_context(**context)
            .create({"template_id": self.statement.id})
        )
        self.assertEqual(composer.composition_mode, "mass_mail")
        mails, _messages = composer._action_send_mail()
        self.assertEqual(len(mails), 3)
        texts = {
            "Small": ("120", f"${NBSP}1.20"),
            "Medium": ("4,500", f"${NBSP}45.00"),
            "Large": ("78,000", f"${NBSP}780.00"),
        }
        for partner in partners:
            mail = mails.filtered(lambda m, p=partner: m.res_id == p.id)
            self.assertEqual(mail.recipient_ids, partner)
            self.assertEqual(mail.subject, "Your loyalty points statement")
            body = unescape(mail.body_html)
            for text in texts[partner.name]:
                self.assertIn(text, body)
            for other, other_texts in texts.items():
                if other != partner.name:
                    self.assertNotIn(other_texts[1], body)

    def test_statement_by_user(self):
        """A loyalty user who may not read the ledger still sends statements."""
        user = new_test_user(
            self.env,
            "lp_mail_salesman",
            groups="base.group_user,base.group_partner_manager",
            company_id=self.env.company.id,
            company_ids=[Command.set(self.env.company.ids)],
        )
        body = self.statement.with_user(user)._render_field(
            "body_html", self.customer.ids
        )[self.customer.id]
        self.assertIn("10,000", body)
