# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from werkzeug.urls import url_parse

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PortalCommon


@tagged("post_install", "-at_install")
class TestPortalPay(PortalCommon):
    """Paying an invoice with points from its portal page: customer A holds
    50,000 points (worth 500.00), customer B 1,000 available and 20,000
    pending; a point is worth 0.01 and at least 1.00 is paid at a time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.loyalty_points_mail_after_payment = True
        cls.customer.email = "customer.a@example.com"
        cls._give(cls.customer, 50000)
        cls._give(cls.customer_b, 1000)
        cls._give(cls.customer_b, 20000, hours=24, reason="Pending")
        cls.points_journal = cls.env.company.loyalty_points_journal_id

    # ------------------------------------------------------------------ helpers
    def _post(self, invoice, csrf=True):
        """POST the payment form; the outcome code read from the redirect."""
        response = self.url_open(
            f"/my/invoices/{invoice.id}/pay_with_points",
            data={"csrf_token": self._csrf() if csrf else "x", "confirm": "1"},
            allow_redirects=False,
        )
        self.env.invalidate_all()
        return response

    def _code(self, response):
        self.assertIn(response.status_code, (302, 303), response.text[:500])
        location = url_parse(response.headers["Location"])
        return location.path, location.decode_query().get("loyalty_points")

    def _state(self, invoice):
        """What a refusal must leave as it was."""
        self.env.invalidate_all()
        return (
            self.env["loyalty.points.entry"].search_count([]),
            self.env["account.payment"].search_count([]),
            invoice.payment_state,
            invoice.amount_residual,
        )

    def _assert_refused(self, invoice, code, login="lp_portal_a"):
        self.authenticate(login, login)
        tree = self._page(invoice.access_url)
        self.assertFalse(self._find(tree, "o_loyalty_points_pay_button"))
        before = self._state(invoice)
        path, got = self._code(self._post(invoice))
        self.assertEqual((path, got), (invoice.access_url, code))
        self.assertEqual(self._state(invoice), before)
        self.assertEqual(invoice.payment_state, "not_paid")
        # The customer reads why, from the code.
        tree = self._page(f"{invoice.access_url}?loyalty_points={code}")
        (message,) = self._find(tree, "o_loyalty_points_message")
        self.assertEqual(message.get("data-code"), code)

    def _redeems(self, invoice):
        return self.env["loyalty.points.entry"].search(
            [("move_id", "=", invoice.id), ("kind", "=", "redeem")]
        )

    # ------------------------------------------------------------------ paying
    def test_owner_pays(self):
        """The owner sees the button with the points it takes, confirms, and the
        invoice is paid in the points journal by one redemption on the portal
        channel, recorded as the customer; the e-mail follows."""
        invoice = self._invoice([100.0])
        self.authenticate("lp_portal_a", "lp_portal_a")
        tree = self._page(invoice.access_url)
        self.assertEqual(len(self._find(tree, "o_loyalty_points_pay_button")), 1)
        self.assertEqual(self._texts(tree, "o_loyalty_points_offer_points"), ["10,000"])
        self.assertTrue(self._find(tree, "o_loyalty_points_confirm"))
        self.assertEqual(self._code(self._post(invoice)), (invoice.access_url, "paid"))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        redeem = self._redeems(invoice)
        self.assertEqual(redeem.mapped("points"), [-10000])
        self.assertEqual(redeem.user_id, self.portal_a)
        self.assertEqual(redeem.payment_id.journal_id, self.points_journal)
        self.assertEqual(self.customer.loyalty_points_available, 40000)
        mail = self.env["mail.message"].search(
            [("model", "=", "account.payment"), ("res_id", "=", redeem.payment_id.id)]
        )
        self.assertIn(self.customer, mail.partner_ids)
        tree = self._page(f"{invoice.access_url}?loyalty_points=paid")
        self.assertIn(
            "Paid with your points", self._texts(tree, "o_loyalty_points_message")[0]
        )
        self.assertFalse(self._find(tree, "o_loyalty_points_pay_button"))

    def test_two_posts_pay_once(self):
        """Two clicks (or two tabs) pay once: the second is told it is paid."""
        invoice = self._invoice([100.0])
        self.authenticate("lp_portal_a", "lp_portal_a")
        self.assertEqual(self._code(self._post(invoice))[1], "paid")
        self.assertEqual(self._code(self._post(invoice))[1], "already_paid")
        self.assertEqual(len(self._redeems(invoice)), 1)
        self.assertEqual(
            self.env["account.payment"].search_count(
                [("partner_id", "=", self.customer.id)]
            ),
            1,
        )

    @mute_logger("odoo.http")
    def test_csrf_required(self):
        """Without the form's CSRF token nothing is paid."""
        invoice = self._invoice([100.0])
        self.authenticate("lp_portal_a", "lp_portal_a")
        before = self._state(invoice)
        self.assertEqual(self._post(invoice, csrf=False).status_code, 400)
        self.assertEqual(self._state(invoice), before)

    # ------------------------------------------------------------------ refusals
    def test_refused_follower_of_another_company(self):
        """A follower of the invoice from another company may read it but not
        pay it with their points."""
        invoice = self._invoice([10.0])
        invoice.message_subscribe(self.portal_b.partner_id.ids)
        self._assert_refused(invoice, "not_yours", login="lp_portal_b")

    def test_refused_token_only_visitor(self):
        """A visitor with only the invoice's access token sees a log-in link, no
        button, and posting sends them to log in; nothing is paid."""
        invoice = self._invoice([100.0])
        self.authenticate(None, None)
        tree = self._page(invoice.get_portal_url())
        self.assertFalse(self._find(tree, "o_loyalty_points_pay_button"))
        self.assertTrue(self._find(tree, "o_loyalty_points_login"))
        before = self._state(invoice)
        path, _code = self._code(self._post(invoice))
        self.assertEqual(path, "/web/login")
        self.assertEqual(self._state(invoice), before)

    def test_refused_program_off_or_test(self):
        """While the program is in test or off, customers cannot pay with points."""
        invoice = self._invoice([100.0])
        for state in ("test", "off"):
            with self.subTest(state=state):
                self.program.state = state
                self._assert_refused(invoice, "closed")

    def test_refused_not_enough_points(self):
        """50,000 points do not pay 600.00 (60,000 points): no partial payment."""
        self._assert_refused(self._invoice([600.0]), "short")

    def test_refused_pending_points(self):
        """Points still pending cannot pay: B has 1,000 available of 21,000."""
        invoice = self._invoice([100.0], partner=self.customer_b)
        self._assert_refused(invoice, "pending", login="lp_portal_b")

    def test_refused_already_paid(self):
        """An invoice already paid in money is not paid again with points."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        self.authenticate("lp_portal_a", "lp_portal_a")
        before = self._state(invoice)
        self.assertEqual(self._code(self._post(invoice))[1], "already_paid")
        self.assertEqual(self._state(invoice), before)
        self.assertFalse(self._redeems(invoice))

    def test_refused_below_minimum(self):
        """An amount due below the minimum redemption is not paid with points."""
        self.program.min_redemption = 50.0
        self._assert_refused(self._invoice([10.0]), "minimum")

    # ------------------------------------------------------------------ tours
    def test_pay_tour(self):
        """In Chromium, the customer pays an invoice with points after the
        confirmation and reads that it is paid."""
        invoice = self._invoice([100.0])
        self.start_tour(
            invoice.access_url, "loyalty_points_portal_pay_tour", login="lp_portal_a"
        )
        self.env.invalidate_all()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self._redeems(invoice).mapped("points"), [-10000])
        self.assertEqual(self.customer.loyalty_points_available, 40000)

    def test_home_tour(self):
        """In Chromium, /my shows the points card, which opens /my/points."""
        entries = self.env["loyalty.points.entry"].search_count([])
        self.start_tour("/my", "loyalty_points_portal_card_tour", login="lp_portal_a")
        self.assertEqual(self.env["loyalty.points.entry"].search_count([]), entries)
        self.assertEqual(self.customer.loyalty_points_available, 50000)
