# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from lxml import etree

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from .common import LoyaltyPointsCommon

CLOSED = {"paid", "in_payment"}


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
    """The demo data shows every kind of the ledger, in two centres, over the past
    year, written by the application's own paths. The test database always has
    demo data: a missing record fails here rather than skipping."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.program = ref("loyalty_points.loyalty_points_program_demo")
        cls.main = ref("base.main_company")
        cls.riverside = ref("loyalty_points.res_company_demo_riverside")
        cls.anna = ref("loyalty_points.res_partner_demo_anna")
        cls.marco = ref("loyalty_points.res_partner_demo_marco")
        cls.sofia = ref("loyalty_points.res_partner_demo_sofia")
        cls.lukas = ref("loyalty_points.res_partner_demo_lukas")
        # This addon's demo customers (the portal's demo adds its own customer
        # to the same program).
        cls.entries = cls.env["loyalty.points.entry"].search(
            [
                ("program_id", "=", cls.program.id),
                (
                    "partner_id",
                    "in",
                    (cls.anna | cls.marco | cls.sofia | cls.lukas).ids,
                ),
            ],
            order="date, id",
        )

    def _ledger(self, partner):
        return [
            (e.kind, e.points, e.company_id)
            for e in self.entries.filtered(lambda e: e.partner_id == partner)
        ]

    def test_demo_history(self):
        """Each customer's ledger, as the demo history writes it."""
        main, riverside = self.main, self.riverside
        self.assertEqual(self.program.company_ids, main | riverside)
        self.assertEqual(
            self._ledger(self.anna),
            [
                ("earn", 150, main),
                ("redeem", -150, riverside),  # earned in one centre, spent in the other
                ("referral", 50, main),
                ("adjust", 25, main),
            ],
        )
        self.assertEqual(
            self._ledger(self.marco),
            [
                ("earn", 60, main),  # the excluded service earned nothing
                ("earn", 105, riverside),
                ("reverse", -45, riverside),
                ("expire", -60, main),
            ],
        )
        self.assertEqual(
            self._ledger(self.sofia),
            [
                ("earn", 105, main),
                ("redeem", -100, riverside),
                ("earn", 70, riverside),
            ],
        )
        self.assertEqual(
            self._ledger(self.lukas), [("grant", 100, main), ("earn", 105, main)]
        )

    def test_demo_history_kinds_and_centres(self):
        """Every kind of the design but the optional refund appears, and both
        centres have entries, each with its chart and points journal."""
        self.assertLessEqual(
            {"earn", "referral", "grant", "adjust", "redeem", "expire", "reverse"},
            set(self.entries.mapped("kind")),
        )
        self.assertEqual(self.entries.company_id, self.main | self.riverside)
        for company in self.main | self.riverside:
            self.assertTrue(company.chart_template)
            self.assertTrue(company.loyalty_points_journal_id.loyalty_points_journal)

    def test_demo_history_spread_over_the_year(self):
        """The history spans more than 200 days; each ticket's entries and payments
        are dated on its invoice's day."""
        dates = self.entries.mapped("date")
        self.assertGreater(max(dates) - min(dates), timedelta(days=200))
        self.assertLessEqual(max(dates), fields.Datetime.now())
        for entry in self.entries.filtered(lambda e: e.kind == "earn"):
            invoice = entry.move_id
            self.assertLessEqual(set(invoice.mapped("payment_state")), CLOSED)
            self.assertEqual(entry.date.date(), invoice.invoice_date)
            payments = invoice._get_reconciled_payments()
            self.assertTrue(payments)
            self.assertEqual(set(payments.mapped("date")), {invoice.invoice_date})

    def test_demo_history_points_payment(self):
        """An invoice of the second centre is paid partly in its points journal,
        the rest by bank, and that ticket earns nothing."""
        redeem = self.entries.filtered(lambda e: e.kind == "redeem" and e.payment_id)
        self.assertEqual(len(redeem), 1)
        payment = redeem.payment_id
        self.assertEqual(payment.company_id, self.riverside)
        self.assertEqual(payment.journal_id, self.riverside.loyalty_points_journal_id)
        self.assertEqual(payment.date, redeem.date.date())
        self.assertEqual(
            -redeem.points, self.program._points_for_amount(payment.amount)
        )
        invoice = redeem.move_id
        self.assertLessEqual(set(invoice.mapped("payment_state")), CLOSED)
        journals = invoice._get_reconciled_payments().journal_id
        self.assertEqual(len(journals), 2)
        self.assertIn(payment.journal_id, journals)
        self.assertFalse(invoice.loyalty_points)
        # The points it took were earned in the other centre.
        self.assertEqual(redeem.allocation_ids.lot_id.company_id, self.main)

    def test_demo_history_reward_referral_grant_adjust(self):
        """The reward's line is on its invoice; the referral names Sofia's first
        ticket; the welcome points come from the demo action; the adjustment has
        its reason and its note in the chatter."""
        reward = self.env.ref("loyalty_points.loyalty_points_reward_demo_nail_trim")
        spent = self.entries.filtered(lambda e: e.kind == "redeem" and not e.payment_id)
        self.assertEqual(spent.move_line_ids.loyalty_points_reward_id, reward)
        self.assertEqual(spent.points, -reward.points_cost)
        self.assertIn(spent.move_id.payment_state, CLOSED)

        referral = self.entries.filtered(lambda e: e.kind == "referral")
        self.assertEqual(referral.partner_id, self.anna)
        self.assertEqual(referral.referral_partner_id, self.sofia)
        self.assertEqual(self.sofia.loyalty_points_referred_by_id, self.anna)
        first = self.entries.filtered(
            lambda e: e.partner_id == self.sofia and e.kind == "earn"
        )[:1]
        self.assertEqual(referral.origin, first.move_id.name)

        action = self.env.ref("loyalty_points.ir_actions_server_grant_welcome_points")
        grant = self.entries.filtered(lambda e: e.kind == "grant")
        self.assertEqual(grant.partner_id, self.lukas)
        self.assertEqual(
            (grant.points, grant.origin, grant.reason),
            (action.loyalty_points_amount, action.name, action.loyalty_points_reason),
        )
        self.assertTrue(self.lukas.loyalty_points_enrolled)

        adjust = self.entries.filtered(lambda e: e.kind == "adjust")
        self.assertEqual(len(adjust), 1)
        self.assertTrue(adjust.reason)
        self.assertEqual(adjust.user_id, self.env.ref("base.user_admin"))
        self.assertTrue(
            self.anna.message_ids.filtered(lambda m: adjust.reason in (m.body or ""))
        )

    def test_demo_history_reversal_and_expiry(self):
        """The credit note's reversal names the earning it undoes; the nightly job
        wrote off what was left of the lot past its expiry date."""
        for reverse in self.entries.filtered(lambda e: e.kind == "reverse"):
            earned = reverse.reversed_entry_id
            self.assertEqual(earned.kind, "earn")
            self.assertEqual(earned.partner_id, reverse.partner_id)
            self.assertEqual(reverse.move_id, earned.move_id)
            refund = self.env["account.move"].search(
                [("reversed_entry_id", "=", earned.move_id.id)]
            )
            self.assertEqual(refund.move_type, "out_refund")
            self.assertEqual(refund.state, "posted")
        self.assertTrue(self.entries.filtered(lambda e: e.kind == "reverse"))

        expired = self.entries.filtered(lambda e: e.kind == "expire")
        self.assertEqual(len(expired), 1)
        lot = expired.expired_lot_id
        self.assertEqual(expired.points, -lot.points)
        self.assertEqual(expired.allocation_ids.lot_id, lot)
        self.assertLess(lot.expiry_date, expired.date.date())
        self.assertEqual(
            lot.expiry_date,
            (lot.date + timedelta(days=self.program.expiry_days)).date(),
        )

    def test_demo_history_pending_and_balances(self):
        """The newest customer's ticket is still pending; every balance row is the
        sum of its entries."""
        lukas = self.lukas.with_company(self.main)
        self.assertTrue(self.program.pending_hours)
        self.assertGreater(lukas.loyalty_points_pending, 0)
        self.assertEqual(lukas.loyalty_points_available, 100)
        pending = self.entries.filtered(
            lambda e: e.partner_id == self.lukas and e.kind == "earn"
        )
        self.assertEqual(
            pending.available_date - pending.date,
            timedelta(hours=self.program.pending_hours),
        )
        self.assertEqual(
            self.lukas.with_company(self.riverside).loyalty_points_balance, 205
        )

        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """SELECT COALESCE(b.program_id, e.program_id),
                          COALESCE(b.partner_id, e.partner_id),
                          COALESCE(b.points, 0), COALESCE(e.points, 0)
                     FROM loyalty_points_balance b
                     FULL JOIN (SELECT program_id, partner_id, SUM(points) AS points
                                  FROM loyalty_points_entry
                                 GROUP BY program_id, partner_id) e
                       ON e.program_id = b.program_id AND e.partner_id = b.partner_id"""
            )
        )
        self.assertTrue(rows)
        for program_id, partner_id, balance, total in rows:
            self.assertEqual(
                balance, total, f"partner {partner_id}, program {program_id}"
            )
