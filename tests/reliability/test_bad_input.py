"""Bad input: every public RPC method and HTTP route of the three addons fed wrong
types, negative, zero, huge, NaN/inf and non-numeric values, missing fields,
another customer's and another company's ids. Each gets a clean refusal (a
UserError, ValidationError, AccessError or MissingError over JSON-RPC; a 4xx or
the page's own message over HTTP), never a server error (the test command fails
a test during which Odoo logged an ERROR), and nothing is written: the ledger,
the journal entries, the payments and the POS orders are counted before and
after each input.

The inputs are one table, ``CASES`` (target, input, expected): the figures come
from it."""

import json
import math
import uuid as uuidlib

from werkzeug.urls import url_parse

from odoo import Command, fields

from odoo.addons.loyalty_points_portal.tests.common import PortalCommon

from .invariants import violations
from .report import record

MISSING = object()  # a field left out of the values
NAN = float("nan")
INF = float("inf")


class LoyaltyWorld(PortalCommon):
    """What the bad-input and rights suites share, built once per class: the
    base's company A and its program (with a second centre), customer A (portal
    user ``lp_portal_a``) with 50,000 points, customer B (``lp_portal_b``) with
    1,000, a company B with a program of its own, its customer and invoice; a
    loyalty manager, an invoicing user and a cashier of company A, a manager of
    company B; rewards in both programs, invoices, and a till of company A with
    cash and Loyalty Points methods and an open session."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.loyalty_points_journal_id  # noqa: B018 (set up by the program)
        cls._give(cls.customer, 50000)
        cls._give(cls.customer_b, 1000)
        # Company B and its own program.
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        Program = cls.env["loyalty.points.program"]
        Program.search([("company_ids", "in", cls.company_b.ids)]).active = False
        cls.program_b = Program.create(
            {
                "name": "B Club",
                "state": "on",
                "company_ids": [Command.set(cls.company_b.ids)],
                "date_start": "2020-01-01",
                "rate": 1.0,
                "point_value": 0.01,
                "min_redemption": 1.0,
            }
        )
        cls.customer_c = cls.env["res.partner"].create(
            {"name": "Customer C", "is_company": True, "company_id": cls.company_b.id}
        )
        Entry = cls.env["loyalty.points.entry"]
        Entry._lock_balances(cls.program_b, cls.customer_c)
        cls.entry_c = Entry._write_entries(
            [
                {
                    "partner_id": cls.customer_c.id,
                    "program_id": cls.program_b.id,
                    "company_id": cls.company_b.id,
                    "kind": "adjust",
                    "points": 700,
                    "reason": "B gift",
                }
            ]
        )
        cls.entry_a = Entry.search([("partner_id", "=", cls.customer.id)], limit=1)
        cls.entry_b = Entry.search([("partner_id", "=", cls.customer_b.id)], limit=1)
        Reward = cls.env["loyalty.points.reward"]
        cls.reward_a = Reward.create(
            {"name": "Free brush", "program_id": cls.program.id, "points_cost": 500}
        )
        cls.reward_big = Reward.create(
            {"name": "A car", "program_id": cls.program.id, "points_cost": 10**9}
        )
        cls.reward_b = Reward.create(
            {"name": "B mug", "program_id": cls.program_b.id, "points_cost": 10}
        )
        # Users.
        cls.manager = cls._staff(
            "lp_manager", "loyalty_points.group_loyalty_points_manager"
        )
        cls.invoicing = cls._staff("lp_invoicing", "account.group_account_invoice")
        cls.cashier = cls._staff("lp_cashier", "point_of_sale.group_pos_user")
        cls.manager_b = cls._staff(
            "lp_manager_b",
            "loyalty_points.group_loyalty_points_manager",
            "account.group_account_invoice",
            company=cls.company_b,
        )
        # Invoices.
        cls.invoice_a = cls._invoice([100.0])
        cls.invoice_b = cls._invoice([100.0], partner=cls.customer_b)
        cls.invoice_big = cls._invoice([10**7])
        cls.draft_a = cls._invoice([40.0], post=False)
        cls.paid_a = cls._invoice([30.0])
        cls._pay(cls.paid_a)
        cls.bill_a = cls._invoice([20.0], move_type="in_invoice")
        cls.invoice_c = (
            cls.env["account.move"]
            .with_company(cls.company_b)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.customer_c.id,
                    "invoice_date": cls.today,
                    "company_id": cls.company_b.id,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "B service", "price_unit": 50.0, "quantity": 1}
                        )
                    ],
                }
            )
        )
        cls.invoice_c.action_post()
        # A till of company A, open.
        cls.cash_pm = cls.env["pos.payment.method"].create(
            {
                "name": "Till cash",
                "journal_id": cls.company_data["default_journal_cash"].id,
            }
        )
        cls.points_pm = cls.env.company._loyalty_points_pos_method()
        cls.points_pm_b = cls.company_b._loyalty_points_pos_method()
        cls.pos_config = cls.env["pos.config"].create(
            {
                "name": "Front desk",
                "payment_method_ids": [Command.set((cls.cash_pm | cls.points_pm).ids)],
            }
        )
        cls.pos_config_b = (
            cls.env["pos.config"]
            .with_company(cls.company_b)
            .create({"name": "B desk", "company_id": cls.company_b.id})
        )
        cls.pos_product = cls.env["product.product"].create(
            {
                "name": "Haircut",
                "available_in_pos": True,
                "list_price": 50.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.pos_config.with_user(cls.cashier).open_ui()
        cls.pos_session = cls.pos_config.current_session_id
        cls.pos_session.set_opening_control(0, None)

    @classmethod
    def _staff(cls, login, *groups, company=None):
        company = company or cls.env.company
        return (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": login,
                    "login": login,
                    "email": f"{login}@example.com",
                    "password": login,
                    "groups_id": [
                        Command.set(
                            [cls.env.ref("base.group_user").id]
                            + [cls.env.ref(group).id for group in groups]
                        )
                    ],
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                }
            )
        )

    # ------------------------------------------------------------------ requests
    def rpc(self, model, method, *args, **kwargs):
        """``model.method(*args, **kwargs)`` over /web/dataset/call_kw as the web
        client calls it: ("ok", result) or ("error", exception name, message)."""
        self.requests = getattr(self, "requests", 0) + 1
        self.env.flush_all()
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": list(args),
                        "kwargs": kwargs,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.env.invalidate_all()
        if response.status_code != 200:
            return ("http", response.status_code, response.text[:300])
        body = response.json()
        if "error" in body:
            data = body["error"].get("data") or {}
            return ("error", data.get("name", ""), data.get("message", ""))
        return ("ok", body["result"])

    def http(self, path, data=None, method=None):
        """An HTTP request: (status, location path, loyalty_points code)."""
        self.requests = getattr(self, "requests", 0) + 1
        self.env.flush_all()
        if method == "GET" or (method is None and data is None):
            response = self.url_open(path, allow_redirects=False)
        else:
            response = self.url_open(path, data=data or {}, allow_redirects=False)
        self.env.invalidate_all()
        location = response.headers.get("Location")
        if location:
            parsed = url_parse(location)
            return (
                response.status_code,
                parsed.path,
                parsed.decode_query().get("loyalty_points"),
            )
        return (response.status_code, None, None)

    def written(self):
        """What a refused input must leave as it was."""
        self.env.invalidate_all()
        return {
            model: self.env[model]
            .sudo()
            .with_context(active_test=False)
            .search_count([])
            for model in (
                "loyalty.points.entry",
                "loyalty.points.allocation",
                "account.move",
                "account.payment",
                "pos.order",
                "pos.payment",
            )
        }

    def order_data(self, payments, partner=None, lines=None, **values):
        """An order as the till sends it to ``pos.order.sync_from_ui``: one
        haircut of 50.00 by default, paid by ``payments`` [(method id, amount)]."""
        lines = lines or [{}]
        order_lines = [
            Command.create(
                {
                    "product_id": self.pos_product.id,
                    "qty": 1,
                    "price_unit": 50.0,
                    "price_subtotal": 50.0,
                    "price_subtotal_incl": 50.0,
                    "discount": 0,
                    "tax_ids": [Command.set([])],
                    **line,
                }
            )
            for line in lines
        ]
        uid = str(uuidlib.uuid4())
        total = sum(line[2]["price_subtotal_incl"] for line in order_lines)
        return {
            "uuid": uid,
            "name": f"Order {uid}",
            "session_id": self.pos_session.id,
            "partner_id": self.customer.id if partner is None else partner,
            "pricelist_id": self.pos_config.pricelist_id.id,
            "fiscal_position_id": False,
            "user_id": self.cashier.id,
            "sequence_number": 1,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "amount_total": total,
            "amount_tax": 0.0,
            "amount_paid": total,
            "amount_return": 0.0,
            "last_order_preparation_change": "{}",
            "to_invoice": False,
            "state": "paid",
            "lines": order_lines,
            "payment_ids": [
                Command.create(
                    {
                        "payment_method_id": method,
                        "amount": amount,
                        "name": fields.Datetime.to_string(fields.Datetime.now()),
                    }
                )
                for method, amount in payments
            ],
            **values,
        }

    def sync(self, data, strict=True):
        """The till validating an order (``strict``: the cashier waits for the
        answer; a refusal leaves the order open)."""
        context = {"loyalty_points_strict_uuids": [data["uuid"]]} if strict else {}
        return self.rpc("pos.order", "sync_from_ui", [data], context=context)


REFUSALS = {
    "odoo.exceptions.UserError": "UserError",
    "odoo.exceptions.ValidationError": "ValidationError",
    "odoo.exceptions.AccessError": "AccessError",
    "odoo.exceptions.MissingError": "MissingError",
}

# A reward line as the till sends it: at no charge.
FREE = {"price_unit": 0.0, "price_subtotal": 0.0, "price_subtotal_incl": 0.0}


class TestBadInput(LoyaltyWorld):
    """The table of bad inputs, each sent as its user over JSON-RPC or HTTP."""

    def outcome(self, result):
        """What an answer was, in the words of the table: the refusal's class,
        an HTTP status, ``page:<code>`` (the invoice page with the payment's
        message), ``login``, or ``ok``."""
        if result[0] == "error":
            return REFUSALS.get(result[1], result[1])
        if result[0] == "ok":
            return "ok"
        if result[0] == "http":
            return str(result[1])
        status, path, code = result
        if path and path.startswith("/web/login"):
            return "login"
        if code:
            return f"page:{code}"
        return str(status)

    # ------------------------------------------------------------------ callers
    def adjust(self, **vals):
        vals = {
            "partner_id": self.customer.id,
            "program_id": self.program.id,
            "points": 100.0,
            "reason": "Goodwill",
            **vals,
        }
        vals = {k: v for k, v in vals.items() if v is not MISSING}
        result = self.rpc("loyalty.points.adjust.wizard", "create", vals)
        if result[0] != "ok":
            return result
        return self.rpc("loyalty.points.adjust.wizard", "action_apply", [result[1]])

    def reward(self, **vals):
        vals = {"move_id": self.draft_a.id, "reward_id": self.reward_a.id, **vals}
        vals = {k: v for k, v in vals.items() if v is not MISSING}
        result = self.rpc("loyalty.points.reward.wizard", "create", vals)
        if result[0] != "ok":
            return result
        return self.rpc("loyalty.points.reward.wizard", "action_redeem", [result[1]])

    def process(self, program_ids):
        result = self.rpc(
            "loyalty.points.process.wizard",
            "create",
            {"program_ids": [Command.set(program_ids)]},
        )
        if result[0] != "ok":
            return result
        return self.rpc("loyalty.points.process.wizard", "action_process", [result[1]])

    def points_sale(self, amount, partner=None, **values):
        """A 50.00 sale paid ``amount`` with points, the rest in cash."""
        cash = 50.0 - amount if isinstance(amount, int | float) else 40.0
        if not math.isfinite(cash):
            cash = 40.0
        return self.sync(
            self.order_data(
                [(self.points_pm.id, amount), (self.cash_pm.id, cash)],
                partner=partner,
                **values,
            )
        )

    def reward_sale(self, **line):
        """A haircut and a reward line, paid in cash what the lines cost."""
        line = {**FREE, **line}
        return self.sync(
            self.order_data(
                [(self.cash_pm.id, 50.0 + line["price_subtotal_incl"])],
                lines=[{}, line],
            )
        )

    def pay(self, invoice_id, csrf=True, method=None, **data):
        """The form's POST (``confirm`` as the form sends it)."""
        data["confirm"] = "1"
        if csrf:
            data["csrf_token"] = self._csrf()
        return self.http(
            f"/my/invoices/{invoice_id}/pay_with_points", data, method=method
        )

    # ------------------------------------------------------------------ the table
    def cases(self):
        """[(login, target, input, expected, call)]: every bad input, as whom it
        is sent, and the clean answer expected."""
        rows = []

        def add(login, target, label, expected, call):
            rows.append((login, target, label, expected, call))

        self.cases_wizards(add)
        self.cases_buttons(add)
        self.cases_till(add)
        self.cases_portal(add)
        return rows

    def cases_wizards(self, add):
        adjust = "loyalty.points.adjust.wizard.action_apply"
        for label, points, expected in [
            ("points 'abc'", "abc", "ValidationError"),
            ("points NaN", NAN, "ValidationError"),
            ("points +inf", INF, "ValidationError"),
            ("points -inf", -INF, "ValidationError"),
            ("points 1e300", 1e300, "ValidationError"),
            ("points -1e300", -1e300, "ValidationError"),
            ("points 1e13", 1e13, "ValidationError"),
            ("points 0", 0, "UserError"),
            ("points null", None, "UserError"),
            ("points []", [], "UserError"),
            ("points -60,000 (more than available)", -60000, "UserError"),
        ]:
            add(
                "lp_manager",
                adjust,
                label,
                expected,
                lambda p=points: self.adjust(points=p),
            )
        for label, vals, expected in [
            ("reason missing", {"reason": MISSING}, "ValidationError"),
            ("reason ''", {"reason": ""}, "ValidationError"),
            ("reason blank", {"reason": "   "}, "UserError"),
            ("customer 999999999", {"partner_id": 999999999}, "ValidationError"),
            ("customer 'abc'", {"partner_id": "abc"}, "ValidationError"),
            ("company B's customer", {"partner_id": self.customer_c.id}, "AccessError"),
            ("program 999999999", {"program_id": 999999999}, "ValidationError"),
            ("company B's program", {"program_id": self.program_b.id}, "AccessError"),
            ("expiry date 'soon'", {"expiry_date": "soon"}, "ValidationError"),
            ("expiry date in the past", {"expiry_date": "2000-01-01"}, "UserError"),
        ]:
            add("lp_manager", adjust, label, expected, lambda v=vals: self.adjust(**v))

        redeem = "loyalty.points.reward.wizard.action_redeem"
        for label, vals, expected in [
            ("posted invoice", {"move_id": self.invoice_a.id}, "UserError"),
            ("vendor bill", {"move_id": self.bill_a.id}, "UserError"),
            ("company B's invoice", {"move_id": self.invoice_c.id}, "AccessError"),
            ("invoice 999999999", {"move_id": 999999999}, "ValidationError"),
            ("invoice 'abc'", {"move_id": "abc"}, "ValidationError"),
            ("company B's reward", {"reward_id": self.reward_b.id}, "AccessError"),
            (
                "reward beyond the points",
                {"reward_id": self.reward_big.id},
                "UserError",
            ),
            ("reward missing", {"reward_id": MISSING}, "ValidationError"),
            ("reward 'abc'", {"reward_id": "abc"}, "ValidationError"),
            ("reward 999999999", {"reward_id": 999999999}, "ValidationError"),
        ]:
            add(
                "lp_invoicing", redeem, label, expected, lambda v=vals: self.reward(**v)
            )

        process = "loyalty.points.process.wizard.action_process"
        for label, ids, expected in [
            ("program 999999999", [999999999], "ValidationError"),
            ("company B's program", [self.program_b.id], "UserError"),
            ("no program", [], "UserError"),
        ]:
            add("lp_manager", process, label, expected, lambda i=ids: self.process(i))

    def cases_buttons(self, add):
        c = self.customer
        for method in (
            "action_view_loyalty_points",
            "action_loyalty_points_adjust",
            "action_loyalty_points_send_statement",
        ):
            for label, ids, expected in [
                ("customer 999999999", [999999999], "MissingError"),
                ("company B's customer", [self.customer_c.id], "AccessError"),
                ("no customer", [], "UserError"),
            ]:
                add(
                    "lp_manager",
                    f"res.partner.{method}",
                    label,
                    expected,
                    lambda m=method, i=ids: self.rpc("res.partner", m, i),
                )
            if method != "action_loyalty_points_send_statement":
                add(
                    "lp_manager",
                    f"res.partner.{method}",
                    "two customers",
                    "UserError",
                    lambda m=method: self.rpc(
                        "res.partner", m, [c.id, self.customer_b.id]
                    ),
                )
        add(
            "lp_manager",
            "product.template.action_loyalty_points_exclude",
            "product 999999999",
            "MissingError",
            lambda: self.rpc(
                "product.template", "action_loyalty_points_exclude", [999999999]
            ),
        )
        for method in ("button_draft", "button_cancel"):
            for label, ids, expected in [
                ("company B's invoice", [self.invoice_c.id], "AccessError"),
                ("invoice 999999999", [999999999], "MissingError"),
            ]:
                add(
                    "lp_invoicing",
                    f"account.move.{method}",
                    label,
                    expected,
                    lambda m=method, i=ids: self.rpc("account.move", m, i),
                )
            add(
                "lp_portal_a",
                f"account.move.{method}",
                "own invoice, as the customer",
                "AccessError",
                lambda m=method: self.rpc("account.move", m, [self.invoice_a.id]),
            )
        payment = self.paid_a.line_ids.matched_credit_ids.credit_move_id.payment_id
        for method in ("action_post", "action_draft", "action_cancel", "unlink"):
            add(
                "lp_invoicing",
                f"account.payment.{method}",
                "payment 999999999",
                "MissingError",
                lambda m=method: self.rpc("account.payment", m, [999999999]),
            )
            add(
                "lp_portal_a",
                f"account.payment.{method}",
                "own payment, as the customer",
                "AccessError",
                lambda m=method: self.rpc("account.payment", m, payment.ids),
            )

    def cases_till(self, add):
        pm = self.points_pm.id
        c = self.customer
        balance = "res.partner.loyalty_points_pos_balance"
        sync = "pos.order.sync_from_ui (points payment)"
        reward_sync = "pos.order.sync_from_ui (reward line)"
        for label, config, expected in [
            ("config 'abc'", "abc", "UserError"),
            ("config null", None, "UserError"),
            ("config 1.5", 1.5, "UserError"),
            ("config []", [], "UserError"),
            ("config 999999999", 999999999, "MissingError"),
            ("config -1", -1, "MissingError"),
            ("company B's config", self.pos_config_b.id, "AccessError"),
        ]:
            add(
                "lp_cashier",
                balance,
                label,
                expected,
                lambda v=config: self.rpc(
                    "res.partner", "loyalty_points_pos_balance", [c.id], v
                ),
            )
        add(
            "lp_cashier",
            balance,
            "no customer",
            "UserError",
            lambda: self.rpc(
                "res.partner", "loyalty_points_pos_balance", [], self.pos_config.id
            ),
        )
        add(
            "lp_cashier",
            balance,
            "company B's customer",
            "AccessError",
            lambda: self.rpc(
                "res.partner",
                "loyalty_points_pos_balance",
                [self.customer_c.id],
                self.pos_config.id,
            ),
        )

        for label, amount, expected in [
            ("amount NaN", NAN, "UserError"),
            ("amount +inf", INF, "UserError"),
            ("amount -inf", -INF, "UserError"),
            ("amount 'abc'", "abc", "UserError"),
            ("amount null", None, "UserError"),
            ("amount -10 on a sale", -10.0, "UserError"),
            ("amount 1e12 (more than the total)", 1e12, "UserError"),
            ("amount 60 (more than the total)", 60.0, "UserError"),
        ]:
            add(
                "lp_cashier",
                sync,
                label,
                expected,
                lambda a=amount: self.points_sale(a),
            )
        for label, partner, expected in [
            ("no customer", False, "UserError"),
            ("company B's customer", self.customer_c.id, "AccessError"),
            ("customer 999999999", 999999999, "UserError"),
        ]:
            add(
                "lp_cashier",
                sync,
                label,
                expected,
                lambda p=partner: self.points_sale(10.0, partner=p),
            )
        add(
            "lp_cashier",
            sync,
            "another customer's points (B has 1,000)",
            "UserError",
            lambda: self.sync(
                self.order_data([(pm, 50.0)], partner=self.customer_b.id)
            ),
        )
        add(
            "lp_cashier",
            sync,
            "company B's points method",
            "ValidationError",
            lambda: self.sync(
                self.order_data([(self.points_pm_b.id, 10.0), (self.cash_pm.id, 40.0)])
            ),
        )
        for label, line, expected in [
            (
                "company B's reward",
                {"loyalty_points_reward_id": self.reward_b.id},
                "AccessError",
            ),
            (
                "reward beyond the points",
                {"loyalty_points_reward_id": self.reward_big.id},
                "UserError",
            ),
            (
                "reward at a price",
                {
                    "loyalty_points_reward_id": self.reward_a.id,
                    "price_unit": 50.0,
                    "price_subtotal": 50.0,
                    "price_subtotal_incl": 50.0,
                },
                "UserError",
            ),
            (
                "reward taken back (qty -1)",
                {"loyalty_points_reward_id": self.reward_a.id, "qty": -1},
                "UserError",
            ),
            (
                "reward 999999999",
                {"loyalty_points_reward_id": 999999999},
                "UserError",
            ),
            ("reward 'abc'", {"loyalty_points_reward_id": "abc"}, "ValidationError"),
        ]:
            add(
                "lp_cashier",
                reward_sync,
                label,
                expected,
                lambda v=line: self.reward_sale(**v),
            )

    def cases_portal(self, add):
        pay = "POST /my/invoices/<id>/pay_with_points"
        page = "GET /my/points"
        for label, path, expected in [
            ("page 'abc'", "/my/points?page=abc", "200"),
            ("page -1", "/my/points?page=-1", "200"),
            ("page 1e400", "/my/points?page=1e400", "200"),
            ("/page/0", "/my/points/page/0", "200"),
            ("/page/10^20", "/my/points/page/100000000000000000000", "200"),
            ("/page/abc", "/my/points/page/abc", "404"),
        ]:
            add(
                "lp_portal_a",
                page,
                label,
                expected,
                lambda p=path: self.http(p, method="GET"),
            )
        for label, invoice_id, expected in [
            ("another customer's invoice", self.invoice_b.id, "404"),
            ("company B's invoice", self.invoice_c.id, "404"),
            ("own draft invoice", self.draft_a.id, "404"),
            ("invoice 999999999", 999999999, "404"),
            ("invoice 99999999999 (beyond int4)", 99999999999, "404"),
            ("invoice -5", -5, "404"),
            ("invoice 'abc'", "abc", "404"),
            ("own vendor bill", self.bill_a.id, "page:not_payable"),
            ("own paid invoice", self.paid_a.id, "page:already_paid"),
            ("own invoice beyond the points", self.invoice_big.id, "page:short"),
        ]:
            add("lp_portal_a", pay, label, expected, lambda i=invoice_id: self.pay(i))
        add(
            "lp_portal_a",
            pay,
            "amount=-5 posted",
            "page:short",
            lambda: self.pay(self.invoice_big.id, amount="-5"),
        )
        add(
            "lp_portal_a",
            pay,
            "GET",
            "405",
            lambda: self.pay(self.invoice_a.id, csrf=False, method="GET"),
        )
        add(
            "lp_portal_a",
            pay,
            "no CSRF token",
            "400",
            lambda: self.pay(self.invoice_a.id, csrf=False),
        )
        add(
            "lp_portal_b",
            pay,
            "own invoice, 1,000 points for 10,000",
            "page:short",
            lambda: self.pay(self.invoice_b.id),
        )
        add(None, pay, "not logged in", "login", lambda: self.pay(self.invoice_a.id))
        add(
            None,
            page,
            "not logged in",
            "login",
            lambda: self.http("/my/points", method="GET"),
        )

    def test_bad_input_is_refused_cleanly(self):
        """Every input of the table gets the clean answer it expects (never a
        server error: the test command fails on an ERROR that Odoo logs) and
        writes nothing: the ledger, the allocations, the journal entries, the
        payments, the POS orders and payments are counted around each."""
        self.requests = 0
        rows = self.cases()
        failures = []
        login = "start"
        for who, target, label, expected, call in rows:
            if who != login:
                login = who
                self.authenticate(who, who)
            before = self.written()
            got = self.outcome(call())
            after = self.written()
            if got != expected or after != before:
                changed = {
                    k: after[k] - before[k] for k in after if after[k] != before[k]
                }
                failures.append(
                    f"{target} [{label}]: {got} (expected {expected}), "
                    f"written {changed}"
                )
        refused = len(rows) - len(failures)
        record(
            "bad input",
            inputs_tried=len(rows),
            inputs_refused=refused,
            requests=self.requests,
        )
        self.assertEqual(failures, [], "\n".join(failures))
        self.assertEqual(violations(self.env), [])

    def test_points_fields_of_the_till_are_ignored(self):
        """The points that the till's payload says an order earned or spent are
        never read: the order earns what the server computes (2 points per
        1.00 of a 50.00 haircut), once."""
        self.authenticate("lp_cashier", "lp_cashier")
        before = self.written()["loyalty.points.entry"]
        data = self.order_data(
            [(self.cash_pm.id, 50.0)],
            loyalty_points_earned=1e9,
            loyalty_points_spent=-5000,
            loyalty_points_balance=1e9,
        )
        result = self.sync(data)
        self.assertEqual(result[0], "ok", result)
        order = self.env["pos.order"].search([("uuid", "=", data["uuid"])])
        entries = self.env["loyalty.points.entry"].search(
            [("pos_order_id", "=", order.id)]
        )
        self.assertEqual(entries.mapped("kind"), ["earn"])
        self.assertEqual(entries.points, 100.0)
        self.assertEqual(self.written()["loyalty.points.entry"], before + 1)
        self.assertEqual(
            (order.loyalty_points_earned, order.loyalty_points_spent), (100.0, 0.0)
        )
        record("bad input", inputs_tried=1, inputs_refused=1, requests=self.requests)

    def test_offline_sale_with_negative_points_payment(self):
        """A sale that a till sends from its offline queue (not the order being
        validated) with a negative Loyalty Points payment is kept as sold, but
        gives the customer no points: the order is flagged for a loyalty
        manager, and no refund or reversal is written for it."""
        self.authenticate("lp_cashier", "lp_cashier")
        data = self.order_data([(self.points_pm.id, -10.0), (self.cash_pm.id, 60.0)])
        result = self.sync(data, strict=False)
        self.assertEqual(result[0], "ok", result)
        order = self.env["pos.order"].search([("uuid", "=", data["uuid"])])
        entries = self.env["loyalty.points.entry"].search(
            [("pos_order_id", "=", order.id)]
        )
        self.assertFalse(entries.filtered(lambda e: e.kind in ("refund", "reverse")))
        self.assertFalse(entries.pos_payment_id)
        self.assertIn("cannot be negative", " ".join(order.message_ids.mapped("body")))
        self.assertEqual(violations(self.env), [])
        record("bad input", inputs_tried=1, inputs_refused=1, requests=self.requests)
