# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_portal_user_cannot_read_programs(self):
        """Programs are staff data: a portal user reading one gets an AccessError."""
        portal = new_test_user(
            self.env, "lp_portal_install", groups="base.group_portal"
        )
        program = self.env["loyalty.points.program"].create(
            {"name": "Club", "active": False}
        )
        with self.assertRaises(AccessError):
            program.with_user(portal).read(["name"])


@tagged("post_install", "-at_install")
class TestPortalTour(HttpCase):
    def test_portal_home_tour(self):
        """In Chromium, a portal customer's /my page opens without a JS error."""
        new_test_user(
            self.env,
            "lp_portal_tour",
            password="lp_portal_tour",
            groups="base.group_portal",
        )
        self.start_tour(
            "/my", "loyalty_points_portal_home_tour", login="lp_portal_tour"
        )


@tagged("post_install", "-at_install")
class TestPortalDemo(HttpCase):
    def test_demo_portal_customer(self):
        """With demo data, Odoo's demo portal customer (login ``portal``) has
        points from both centres of the demo program, and his unpaid invoice
        offers "Pay with points"."""
        # The test database has demo data (./dev test installs it).
        customer = self.env.ref("base.partner_demo_portal")
        entries = self.env["loyalty.points.entry"].search(
            [("partner_id", "=", customer.id)]
        )
        self.assertEqual(len(entries.company_id), 2, "tickets in both centres")
        invoice = self.env["account.move"].search(
            [
                ("partner_id", "=", customer.id),
                ("move_type", "=", "out_invoice"),
                ("payment_state", "=", "not_paid"),
                ("state", "=", "posted"),
            ]
        )
        self.assertEqual(len(invoice), 1)
        self.assertGreaterEqual(customer.loyalty_points_value, invoice.amount_residual)
        self.authenticate("portal", "portal")
        page = self.url_open(f"/my/invoices/{invoice.id}")
        self.assertIn(b"o_loyalty_points_pay_button", page.content)
        self.assertIn(b"o_loyalty_points_card", self.url_open("/my").content)
