# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            "lp_user",
            groups="base.group_user,loyalty_points.group_loyalty_points_user",
        )
        cls.manager = new_test_user(
            cls.env,
            "lp_manager",
            groups="base.group_user,loyalty_points.group_loyalty_points_manager",
        )
        cls.employee = new_test_user(cls.env, "lp_employee", groups="base.group_user")
        # A company takes part in one active program: set the demo one aside.
        cls.env["loyalty.points.program"].search([]).active = False

    def test_menus_load(self):
        """The configuration menu opens the programs action; only managers see it."""
        menu = self.env.ref("loyalty_points.loyalty_points_program_menu")
        self.assertEqual(
            menu.action, self.env.ref("loyalty_points.loyalty_points_program_action")
        )
        visible = self.env["ir.ui.menu"].with_user(self.manager)._visible_menu_ids()
        self.assertIn(menu.parent_id.id, visible)
        self.assertNotIn(
            menu.parent_id.id,
            self.env["ir.ui.menu"].with_user(self.user)._visible_menu_ids(),
        )

    def test_access_rules(self):
        """Users read programs, managers create them, other employees see nothing."""
        program = (
            self.env["loyalty.points.program"]
            .with_user(self.manager)
            .create({"name": "Club"})
        )
        self.assertEqual(program.with_user(self.user).name, "Club")
        with self.assertRaises(AccessError):
            program.with_user(self.user).write({"name": "Other"})
        with self.assertRaises(AccessError):
            program.with_user(self.employee).read(["name"])

    def test_multi_company_rule(self):
        """A program of another company is invisible to a user of this company only."""
        other = self.env["res.company"].create({"name": "Other centre"})
        program = self.env["loyalty.points.program"].create(
            {"name": "Elsewhere", "company_ids": [(6, 0, other.ids)]}
        )
        here = self.env["loyalty.points.program"].create({"name": "Here"})
        programs = self.env["loyalty.points.program"].with_user(self.manager).search([])
        self.assertNotIn(program, programs)
        self.assertIn(here, programs)
