# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestMenuTour(HttpCase):
    def test_menu_tour(self):
        """In Chromium, Invoicing > Configuration > Loyalty Programs opens cleanly."""
        self.env["loyalty.points.program"].create({"name": "Tour Club"})
        self.start_tour("/odoo", "loyalty_points_menu_tour", login="admin")
