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
