# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from lxml import etree

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestViews(LoyaltyPointsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = {
            "company_id": cls.env.company.id,
            "company_ids": [Command.set(cls.env.company.ids)],
        }
        cls.user = new_test_user(
            cls.env,
            "lp_view_user",
            groups="base.group_user,account.group_account_invoice",
            **company,
        )
        cls.manager = new_test_user(
            cls.env,
            "lp_view_manager",
            groups="base.group_user,account.group_account_manager",
            **company,
        )
        cls.employee = new_test_user(
            cls.env,
            "lp_view_employee",
            groups="base.group_user",
            **company,
        )
        cls.other = cls.env["res.partner"].create({"name": "Customer B"})

    def _arch(self, model, view_type, view_id=False, user=None):
        env = self.env(user=user) if user else self.env
        views = env[model].get_views([(view_id, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def _field_names(self, arch):
        return {node.get("name") for node in arch.iter("field")}

    def test_entry_views_load(self):
        """The ledger's list, form, search, pivot and graph views load with their
        fields, and the list and form cannot create, edit or delete."""
        arch = self._arch("loyalty.points.entry", "list", user=self.user)
        self.assertLessEqual(
            {
                "date",
                "partner_id",
                "move_id",
                "move_line_ids",
                "points",
                "expiry_date",
                "kind",
                "reason",
            },
            self._field_names(arch),
        )
        self.assertEqual(
            (arch.get("create"), arch.get("edit"), arch.get("delete")),
            ("0", "0", "0"),
        )
        points = arch.xpath("//field[@name='points']")[0]
        self.assertEqual(points.get("sum"), "Total")
        arch = self._arch("loyalty.points.entry", "form", user=self.user)
        self.assertEqual(
            (arch.get("create"), arch.get("edit"), arch.get("delete")),
            ("0", "0", "0"),
        )
        self.assertLessEqual(
            {"allocation_ids", "lot_allocation_ids", "points_remaining"},
            self._field_names(arch),
        )
        pages = {page.get("string") for page in arch.iter("page")}
        self.assertLessEqual({"Taken From", "Used By"}, pages)
        arch = self._arch("loyalty.points.entry", "search", user=self.user)
        filters = {node.get("name"): node for node in arch.iter("filter")}
        self.assertEqual(filters["date"].get("date"), "date")
        self.assertLessEqual(
            {
                "kind_earn",
                "kind_redeem",
                "kind_adjust",
                "kind_expire",
                "kind_reverse",
                "group_partner",
                "group_kind",
                "group_month",
            },
            set(filters),
        )
        for view_type in ("pivot", "graph"):
            arch = self._arch("loyalty.points.entry", view_type, user=self.user)
            self.assertIn("points", self._field_names(arch))
        action = self.env.ref("loyalty_points.loyalty_points_entry_action")
        self.assertEqual(action.view_mode, "list,form,pivot,graph")

    def test_program_views_load(self):
        """The program form shows every setting of the program."""
        arch = self._arch("loyalty.points.program", "form", user=self.manager)
        self.assertLessEqual(
            {
                "rate_type",
                "rate",
                "step_amount",
                "step_points",
                "percentage",
                "multiplier",
                "mode",
                "min_amount",
                "amount_basis",
                "points_rounding",
                "rounding_method",
                "enrolled_only",
                "point_value",
                "currency_id",
                "pending_hours",
                "expiry_days",
                "date_start",
                "state",
            },
            self._field_names(arch),
        )
        rate = arch.xpath("//field[@name='rate']")[0]
        self.assertEqual(rate.get("invisible"), "rate_type != 'per_currency'")
        for view_type in ("list", "search"):
            arch = self._arch("loyalty.points.program", view_type, user=self.manager)
            self.assertIn("name", self._field_names(arch))

    def test_partner_form_by_group(self):
        """The partner form's points button and Loyalty page show to loyalty users
        only."""
        arch = self._arch("res.partner", "form", user=self.user)
        button = arch.xpath("//button[@name='action_view_loyalty_points']")
        self.assertTrue(button)
        self.assertIn(
            "loyalty_points_balance", self._field_names(button[0]), "balance on button"
        )
        self.assertLessEqual(
            {
                "loyalty_points_balance",
                "loyalty_points_pending",
                "loyalty_points_available",
                "loyalty_points_value",
                "loyalty_points_currency_id",
                "loyalty_points_enrolled",
            },
            self._field_names(arch),
        )
        arch = self._arch("res.partner", "form", user=self.employee)
        self.assertFalse(arch.xpath("//button[@name='action_view_loyalty_points']"))
        self.assertFalse(arch.xpath("//page[@name='loyalty_points']"))

    def test_smart_button_opens_ledger(self):
        """The smart button's action lists the customer's entries only."""
        self._adjust(self.customer, 30)
        self._adjust(self.other, 7)
        action = self.contact.with_user(self.user).action_view_loyalty_points()
        entries = self.env["loyalty.points.entry"].search(action["domain"])
        self.assertEqual(entries.partner_id, self.customer)
        self.assertEqual(sum(entries.mapped("points")), 30)

    def test_product_category_journal_views_load(self):
        """Product, category and journal forms show their loyalty settings."""
        rule_fields = {
            "loyalty_points_rule",
            "loyalty_points_rate",
            "loyalty_points_fixed",
        }
        arch = self._arch("product.template", "form", user=self.manager)
        self.assertLessEqual(rule_fields, self._field_names(arch))
        rate = arch.xpath("//field[@name='loyalty_points_rate']")[0]
        self.assertEqual(rate.get("invisible"), "loyalty_points_rule != 'custom_rate'")
        arch = self._arch("product.category", "form", user=self.manager)
        self.assertLessEqual(rule_fields, self._field_names(arch))
        arch = self._arch("account.journal", "form", user=self.manager)
        self.assertIn("loyalty_points_earn", self._field_names(arch))
        arch = self._arch("product.template", "search", user=self.user)
        self.assertTrue(arch.xpath("//filter[@name='loyalty_points_excluded']"))

    # ------------------------------------------------------------------ menus
    def test_menus_by_group(self):
        """Users see the ledger and the report; only managers see configuration;
        other employees see none of them."""
        ledger = self.env.ref("loyalty_points.loyalty_points_entry_menu")
        report = self.env.ref("loyalty_points.loyalty_points_earned_report_menu")
        config = self.env.ref("loyalty_points.loyalty_points_config_menu")
        self.assertEqual(
            ledger.parent_id, self.env.ref("account.menu_finance_receivables")
        )
        self.assertEqual(
            ledger.action, self.env.ref("loyalty_points.loyalty_points_entry_action")
        )
        self.assertEqual(
            report.action,
            self.env.ref("loyalty_points.loyalty_points_earned_report_action"),
        )
        Menu = self.env["ir.ui.menu"]
        visible = Menu.with_user(self.user)._visible_menu_ids()
        self.assertLessEqual({ledger.id, report.id}, visible)
        self.assertNotIn(config.id, visible)
        visible = Menu.with_user(self.manager)._visible_menu_ids()
        self.assertLessEqual({ledger.id, report.id, config.id}, visible)
        visible = Menu.with_user(self.employee)._visible_menu_ids()
        self.assertFalse({ledger.id, report.id, config.id} & visible)

    # ------------------------------------------------------------------ report
    def test_earned_report_per_customer(self):
        """The report sums per customer what paid invoices earned net of their
        reversals, per centre, leaving adjustments out."""
        self._pay(self._invoice([100.0]))
        undone = self._invoice([50.0])
        self._pay(undone)
        undone.button_draft()  # its 100 points are reversed
        self._pay(self._invoice([30.0], partner=self.other))
        self._adjust(self.customer, 500)

        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_points.loyalty_points_earned_report_action"
        )
        self.assertEqual(action["view_mode"].split(",")[0], "pivot")
        pivot_id = next(vid for vid, mode in action["views"] if mode == "pivot")
        arch = self._arch("loyalty.points.entry", "pivot", pivot_id, user=self.user)
        rows = [n.get("name") for n in arch.xpath("//field[@type='row']")]
        cols = [n.get("name") for n in arch.xpath("//field[@type='col']")]
        self.assertEqual((rows, cols), (["partner_id"], ["company_id"]))
        domain = safe_eval(action["domain"]) + [
            ("partner_id", "in", (self.customer | self.other).ids),
            ("date", ">=", fields.Datetime.now() - timedelta(days=1)),
        ]
        Entry = self.env["loyalty.points.entry"].with_user(self.user)
        groups = Entry.read_group(domain, ["points:sum"], rows + cols, lazy=False)
        self.assertEqual(
            {(g["partner_id"][0], g["company_id"][0]): g["points"] for g in groups},
            {
                (self.customer.id, self.env.company.id): 200.0,
                (self.other.id, self.env.company.id): 60.0,
            },
        )
        # A date range before the entries finds nothing.
        old = safe_eval(action["domain"]) + [
            ("partner_id", "in", self.customer.ids),
            ("date", "<", fields.Datetime.now() - timedelta(days=1)),
        ]
        self.assertFalse(Entry.read_group(old, ["points:sum"], ["partner_id"]))

    # ------------------------------------------------------------------ actions
    def test_bulk_exclude_action(self):
        """The list's "Exclude from loyalty points" action excludes the selected
        products only (run by a manager, who may edit products)."""
        products = self.env["product.template"].create(
            [{"name": name} for name in ("Euthanasia", "Cremation", "Check-up")]
        )
        action = self.env.ref(
            "loyalty_points.product_template_action_loyalty_points_exclude"
        )
        self.assertEqual(action.binding_model_id.model, "product.template")
        self.assertEqual(action.binding_view_types, "list")
        selected = products[:2]
        result = (
            action.with_user(self.manager)
            .with_context(
                active_model="product.template",
                active_ids=selected.ids,
                active_id=selected[0].id,
            )
            .run()
        )
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(
            products.mapped("loyalty_points_rule"), ["excluded", "excluded", "category"]
        )

    def test_partner_search_by_balance(self):
        """The partner search's "Has loyalty points" filter and "Points at least"
        field find customers by balance."""
        self._adjust(self.customer, 150)
        self._adjust(self.other, 40)
        nobody = self.env["res.partner"].create({"name": "No points"})
        arch = self._arch("res.partner", "search", user=self.user)
        has_points = arch.xpath("//filter[@name='loyalty_points_has_points']")[0]
        at_least = arch.xpath("//field[@name='loyalty_points_balance']")[0]
        Partner = self.env["res.partner"].with_user(self.user)
        mine = [("id", "in", (self.customer | self.contact | self.other | nobody).ids)]
        found = Partner.search(safe_eval(has_points.get("domain")) + mine)
        self.assertEqual(found, self.customer | self.contact | self.other)
        found = Partner.search(
            safe_eval(at_least.get("filter_domain"), {"self": 100}) + mine
        )
        self.assertEqual(found, self.customer | self.contact)
        arch = self._arch("res.partner", "search", user=self.employee)
        self.assertFalse(arch.xpath("//filter[@name='loyalty_points_has_points']"))


@tagged("post_install", "-at_install")
class TestDemo(TransactionCase):
    def test_demo_history(self):
        """The demo customers' points come from paid invoices, an adjustment, an
        expired lot and a pending period, as the application writes them."""
        anna = self.env.ref("loyalty_points.res_partner_demo_anna", False)
        if not anna:
            self.skipTest("demo data not loaded")
        marco = self.env.ref("loyalty_points.res_partner_demo_marco")
        sofia = self.env.ref("loyalty_points.res_partner_demo_sofia")
        program = self.env.ref("loyalty_points.loyalty_points_program_demo")
        Entry = self.env["loyalty.points.entry"]
        earned = Entry.search([("partner_id", "=", anna.id), ("kind", "=", "earn")])
        self.assertEqual(len(earned), 2)
        self.assertLessEqual(
            set(earned.move_id.mapped("payment_state")), {"paid", "in_payment"}
        )
        self.assertEqual(sum(earned.mapped("points")), 230)
        adjust = Entry.search([("partner_id", "=", anna.id), ("kind", "=", "adjust")])
        self.assertTrue(all(adjust.mapped("reason")))
        self.assertEqual(
            anna.with_company(program.company_ids[:1]).loyalty_points_balance, 250
        )
        # The excluded service earned nothing on Marco's ticket.
        ticket = Entry.search([("partner_id", "=", marco.id), ("kind", "=", "earn")])
        self.assertEqual(ticket.points, 60)
        self.assertIn(
            "Euthanasia", ticket.move_id.invoice_line_ids.product_id.mapped("name")
        )
        self.assertNotIn("Euthanasia", ticket.move_line_ids.product_id.mapped("name"))
        expired = Entry.search([("partner_id", "=", marco.id), ("kind", "=", "expire")])
        self.assertEqual(expired.points, -expired.expired_lot_id.points)
        self.assertEqual(expired.allocation_ids.lot_id, expired.expired_lot_id)
        self.assertLess(expired.expired_lot_id.expiry_date, expired.date.date())
        # Sofia's points wait out the program's pending period.
        pending = Entry.search([("partner_id", "=", sofia.id), ("kind", "=", "earn")])
        self.assertTrue(program.pending_hours)
        self.assertEqual(
            pending.available_date - pending.date,
            timedelta(hours=program.pending_hours),
        )
