"""What the Point of Sale benchmarks share: a till of the current company, its
cashier and its open session, customers inserted with set-based SQL (holding points
in the database with loyalty_points_pos), and paid orders as the till sends them to
``pos.order.sync_from_ui``.

The till takes cash (a cash method of its own) and, in the database with
loyalty_points_pos, the company's "Loyalty Points" method; in the baseline a method
that identifies the customer on a voucher journal (``common.voucher_journal``: a bank
journal clearing the receivable against a liability, as the points journal does)
takes its place, so that both tills book the same payments. Every other order pays
``POINTS_AMOUNT`` through it and the rest in cash; the others are paid all in cash.
Each order is a salon's ticket: a customer, a service and a retail product (goods,
so the order makes its picking), both with a 15% sales tax: the work Odoo does for
a typical ticket. The program earns 2 points per 1.00 untaxed, on the cash share of
an order paid partly with points (``points_paid_earning = "share"``), so that such
an order both redeems and earns."""

import json
import time
import uuid

from odoo import Command, fields
from odoo.tools import SQL, json_default

from .common import (
    balance_mismatches,
    ensure_program,
    insert_entries,
    insert_partners,
    process_cpu,
    reserve_ids,
    voucher_journal,
)

POINTS_AMOUNT = 10.0
TAX_PERCENT = 15.0
POINTS_EVERY = 2
CUSTOMER_PREFIX = "Benchmark POS customer "


class Meter:
    """Times a call: wall clock, and the CPU that Odoo (this process) and its
    PostgreSQL backend used, which the load of a shared machine blurs less."""

    def __init__(self, env):
        self.env = env
        [(self.backend,)] = env.execute_query(SQL("SELECT pg_backend_pid()"))

    def __call__(self, function):
        """(what ``function()`` returns, wall seconds, Odoo CPU seconds,
        PostgreSQL CPU seconds or None when /proc cannot tell, queries)."""
        cr = self.env.cr
        queries = cr.sql_log_count
        backend = process_cpu(self.backend)
        cpu = time.process_time()
        started = time.perf_counter()
        result = function()
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
        pg = process_cpu(self.backend)
        pg = pg - backend if pg is not None and backend is not None else None
        return result, wall, cpu, pg, cr.sql_log_count - queries


def end_request(env):
    """Do what the end of a request would: write everything, and run what waits
    for the commit (tracking, checks). Everything shares one transaction, to be
    rolled back: without this, what waits for the commit would pile up."""
    env.flush_all()
    env.cr.precommit.run()
    env.flush_all()
    # The bus notifications of a synced order, sent after the commit that never
    # comes: dropped, as they would have gone.
    env.cr.postcommit.clear()


def as_json(result):
    """The response as the JSON-RPC controller serialises it."""
    return json.dumps(result, ensure_ascii=False, default=json_default)


def analyze(env, tables):
    """Fresh planner statistics for ``tables`` (those that exist)."""
    env.flush_all()
    existing = [
        table
        for (table,) in env.execute_query(
            SQL(
                """SELECT relname FROM pg_class
                    WHERE relname = ANY(%s) AND relkind = 'r'""",
                list(tables),
            )
        )
    ]
    env.cr.execute(SQL("ANALYZE %s", SQL(", ").join(map(SQL.identifier, existing))))


POS_TABLES = (
    "res_partner",
    "pos_order",
    "pos_order_line",
    "pos_payment",
    "account_move",
    "account_move_line",
    "account_payment",
    "account_bank_statement_line",
    "loyalty_points_entry",
    "loyalty_points_allocation",
    "loyalty_points_balance",
)


class Till:
    """A till of the current company with its open session, a cashier, two
    products and ``customers`` customers; in the database with
    loyalty_points_pos, the program on and each customer holding
    ``points_each`` available points."""

    def __init__(self, env, customers, points_each=0.0):
        self.env = env
        self.company = company = env.company
        self.program = ensure_program(env, company)
        Method = env["pos.payment.method"]
        if self.program:
            self.program.write({"min_redemption": 1.0, "points_paid_earning": "share"})
            self.share_method = company._loyalty_points_pos_method()
            if not self.share_method:
                raise RuntimeError(
                    f"The company {company.name} has no Loyalty Points method: the "
                    "program sets it up only for a company with a chart of accounts."
                )
        else:
            # A voucher journal, which books as the points journal does: a
            # session's close then posts the same accounting in both databases.
            journal = voucher_journal(env, "Benchmark vouchers", "BVOU")
            self.share_method = Method.create(
                {
                    "name": "Benchmark vouchers (identify customer)",
                    "journal_id": journal.id,
                    "split_transactions": True,
                    "company_id": company.id,
                }
            )
        self.cashier = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Benchmark cashier",
                    "login": f"benchmark-cashier-{uuid.uuid4().hex[:12]}",
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "groups_id": [
                        Command.set(
                            [
                                env.ref("base.group_user").id,
                                env.ref("point_of_sale.group_pos_user").id,
                            ]
                        )
                    ],
                }
            )
        )
        # A salon's ticket: a service and a retail product (goods: the order
        # makes a picking), both with the sales tax.
        self.tax = env["account.tax"].create(
            {
                "name": "Benchmark VAT 15%",
                "amount": TAX_PERCENT,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": company.id,
            }
        )
        self.products = env["product.product"].create(
            [
                {
                    "name": f"Benchmark POS {kind} {letter}",
                    "type": kind,
                    "list_price": 10.0,
                    "available_in_pos": True,
                    "taxes_id": [Command.set(self.tax.ids)],
                }
                for letter, kind in (("A", "service"), ("B", "consu"))
            ]
        )
        # Its own cash method and journal, as Odoo gives each new till.
        self.cash_method = env["pos.config"]._create_cash_payment_method(
            {"name": "Benchmark cash", "show_on_dashboard": False}
        )
        self.config = env["pos.config"].create(
            {
                "name": "Benchmark till",
                "payment_method_ids": [
                    Command.set((self.cash_method | self.share_method).ids)
                ],
            }
        )
        self.session = env["pos.session"].create(
            {"user_id": self.cashier.id, "config_id": self.config.id}
        )
        self.session.set_opening_control(0, "")
        self.customer_ids = insert_partners(env, customers, CUSTOMER_PREFIX)
        if self.program and points_each:
            self._give_points(points_each)
        env.flush_all()
        self.sequence = 0

    def _give_points(self, points_each, kind="adjust"):
        """One available lot of ``points_each`` points per customer (an SQL
        expression of ``g``, the customer's rank from 1, or a number)."""
        env = self.env
        if not isinstance(points_each, SQL):
            points_each = SQL("%s", points_each)
        first = reserve_ids(env, "loyalty_points_entry", len(self.customer_ids))
        now = fields.Datetime.now()
        insert_entries(
            env,
            self.program,
            SQL(
                """
                SELECT %(first)s + g - 1 AS id, p.partner_id, %(kind)s AS kind,
                       %(points)s AS points, %(date)s AS date,
                       %(date)s AS available_date,
                       %(expiry)s::date AS expiry_date
                  FROM unnest(%(partners)s::int[]) WITH ORDINALITY AS p(partner_id, g)
                """,
                first=first,
                kind=kind,
                points=points_each,
                date=fields.Datetime.subtract(now, days=30),
                expiry=fields.Date.add(fields.Date.today(), days=365),
                partners=self.customer_ids,
            ),
        )
        env.invalidate_all()

    # ------------------------------------------------------------------ orders
    @staticmethod
    def lines_of(index):
        """(quantity, price) of the two lines of the order ``index``."""
        return ((1 + index % 3, 10.0 + index % 90), (1, 25.0))

    @classmethod
    def untaxed_of(cls, index):
        return sum(qty * price for qty, price in cls.lines_of(index))

    @classmethod
    def total_of(cls, index):
        """The order's total, tax included."""
        return sum(
            round(qty * price * (1 + TAX_PERCENT / 100), 2)
            for qty, price in cls.lines_of(index)
        )

    @staticmethod
    def share_of(index):
        """What the order ``index`` pays with points (or, in the baseline, by the
        voucher method that identifies the customer)."""
        return POINTS_AMOUNT if index % POINTS_EVERY == 1 else 0.0

    def customer_of(self, index):
        return self.customer_ids[index % len(self.customer_ids)]

    def order_data(self, index):
        """The order ``index`` as the till sends it when it is paid: a customer,
        two lines, paid in cash and, for every other one, partly through the
        points method (or its baseline stand-in)."""
        self.sequence += 1
        order_uuid = str(uuid.uuid4())
        now = fields.Datetime.to_string(fields.Datetime.now())
        lines = [
            Command.create(
                {
                    "uuid": str(uuid.uuid4()),
                    "product_id": product.id,
                    "qty": qty,
                    "price_unit": price,
                    "discount": 0.0,
                    "price_subtotal": qty * price,
                    "price_subtotal_incl": round(
                        qty * price * (1 + TAX_PERCENT / 100), 2
                    ),
                    "tax_ids": [Command.set(self.tax.ids)],
                    "pack_lot_ids": [],
                    "full_product_name": product.name,
                }
            )
            for product, (qty, price) in zip(
                self.products, self.lines_of(index), strict=True
            )
        ]
        total = self.total_of(index)
        share = self.share_of(index)
        payments = [(self.share_method, share)] if share else []
        payments.append((self.cash_method, total - share))
        return {
            "uuid": order_uuid,
            "name": f"Order {order_uuid}",
            "state": "paid",
            "session_id": self.session.id,
            "sequence_number": self.sequence,
            "user_id": self.cashier.id,
            "partner_id": self.customer_of(index),
            "pricelist_id": self.config.pricelist_id.id,
            "fiscal_position_id": False,
            "date_order": now,
            "amount_paid": total,
            "amount_return": 0.0,
            "amount_tax": round(total - self.untaxed_of(index), 2),
            "amount_total": total,
            "to_invoice": False,
            "last_order_preparation_change": "{}",
            "lines": lines,
            "payment_ids": [
                Command.create(
                    {
                        "uuid": str(uuid.uuid4()),
                        "amount": amount,
                        "name": now,
                        "payment_method_id": method.id,
                    }
                )
                for method, amount in payments
            ],
        }

    def cashier_env(self):
        """The environment of the till's requests: the cashier, the session's
        company (as the till's session info forces it)."""
        return self.env(
            user=self.cashier.id,
            context={
                "lang": "en_US",
                "tz": "UTC",
                "allowed_company_ids": self.company.ids,
            },
        )

    def sync(self, data):
        """Send ``data`` to the server as the till does when the cashier validates
        the order (loyalty_points_pos marks it to be checked strictly), and
        return the JSON of the response."""
        context = {"login_number": 1}
        if self.program:
            context["loyalty_points_strict_uuids"] = [data["uuid"]]
        Order = self.cashier_env()["pos.order"].with_context(**context)
        response = as_json(Order.sync_from_ui([data]))
        end_request(self.env)
        return response

    def orders(self):
        return self.env["pos.order"].search(
            [("session_id", "=", self.session.id)], order="id"
        )

    # ------------------------------------------------------------------ checks
    def expected_points(self, indexes):
        """What the orders ``indexes`` earn: 2 points per 1.00 of their untaxed
        amount, on the share paid in cash."""
        return sum(
            self.program._round_points(
                2.0
                * self.untaxed_of(i)
                * ((self.total_of(i) - self.share_of(i)) / self.total_of(i))
            )
            for i in indexes
        )

    def ledger_checks(self, orders, expected_points, points_payments):
        """From the database, what the orders wrote in the ledger: one earn entry
        per order and one redeem entry per points payment, the points, and the
        customers' balances equal to the SUM of their ledger."""
        env = self.env
        env.flush_all()
        [(earned_orders, wrong_earns, points)] = env.execute_query(
            SQL(
                """
                SELECT COUNT(*), COUNT(*) FILTER (WHERE n <> 1),
                       COALESCE(SUM(points), 0)
                  FROM (SELECT pos_order_id, COUNT(*) AS n, SUM(points) AS points
                          FROM loyalty_points_entry
                         WHERE kind = 'earn' AND pos_order_id = ANY(%s)
                         GROUP BY pos_order_id) e
                """,
                orders.ids,
            )
        )
        payments = orders.payment_ids.filtered(
            lambda p: p.payment_method_id == self.share_method
        )
        [(redeemed_payments, wrong_redeems, redeemed)] = env.execute_query(
            SQL(
                """
                SELECT COUNT(*), COUNT(*) FILTER (WHERE n <> 1 OR points <> -%s),
                       -COALESCE(SUM(points), 0)
                  FROM (SELECT pos_payment_id, COUNT(*) AS n, SUM(points) AS points
                          FROM loyalty_points_entry
                         WHERE kind = 'redeem' AND pos_payment_id = ANY(%s)
                         GROUP BY pos_payment_id) r
                """,
                self.program._points_for_amount(POINTS_AMOUNT),
                payments.ids,
            )
        )
        return {
            "earned_orders": earned_orders,
            "wrong_earns": wrong_earns,
            "points": float(points),
            "expected_points": expected_points,
            "points_payments": len(payments),
            "expected_points_payments": points_payments,
            "redeemed_payments": redeemed_payments,
            "wrong_redemptions": wrong_redeems,
            "redeemed_points": float(redeemed),
            "expected_redeemed_points": (
                self.program._points_for_amount(POINTS_AMOUNT) * points_payments
            ),
            "balance_mismatches": self.balance_mismatches(),
        }

    def balance_mismatches(self):
        """Customers whose balance row is not the SUM of their ledger."""
        return balance_mismatches(self.env, self.program, self.customer_ids)

    def ledger_state(self):
        """(entries, SUM of points) of the whole ledger."""
        self.env.flush_all()
        [(count, points)] = self.env.execute_query(
            SQL("SELECT COUNT(*), COALESCE(SUM(points), 0) FROM loyalty_points_entry")
        )
        return count, float(points)
