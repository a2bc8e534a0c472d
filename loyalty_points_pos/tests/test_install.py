# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_menu_visible_to_managers_only(self):
        """Point of Sale > Configuration > Loyalty Points Programs: managers only."""
        menu = self.env.ref("loyalty_points_pos.loyalty_points_pos_program_menu")
        self.assertEqual(
            menu.action, self.env.ref("loyalty_points.loyalty_points_program_action")
        )
        manager = new_test_user(
            self.env,
            "lp_pos_manager",
            groups="base.group_user,point_of_sale.group_pos_manager,loyalty_points.group_loyalty_points_manager",
        )
        cashier = new_test_user(
            self.env,
            "lp_pos_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        self.assertIn(
            menu.id, self.env["ir.ui.menu"].with_user(manager)._visible_menu_ids()
        )
        self.assertNotIn(
            menu.id, self.env["ir.ui.menu"].with_user(cashier)._visible_menu_ids()
        )


@tagged("post_install", "-at_install")
class TestMenuTour(HttpCase):
    def test_menu_tour(self):
        """In Chromium, POS > Configuration > Loyalty Points Programs opens cleanly."""
        self.env["loyalty.points.program"].search([]).active = False
        self.env["loyalty.points.program"].create({"name": "Tour Club"})
        self.start_tour("/odoo", "loyalty_points_pos_menu_tour", login="admin")
