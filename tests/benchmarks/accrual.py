"""(a) Posting and paying customer invoices, with the program on, against the same
work in a database without loyalty_points: the accrual's overhead.

Each invoice is posted, then paid in full through the register-payment wizard on the
company's first bank journal, one at a time as at a counter. The invoices (two lines,
no taxes) are created as drafts first, outside the measure; a few more are posted and
paid first, outside it too, to warm the caches up. Each invoice is handled as a
request would: it starts with an empty cache and ends with what waits for the commit.
After the warm-up and every ``ANALYZE_EVERY`` invoices, outside the measure, both
databases ANALYZE the tables the work fills, as autovacuum does in a live database
as they grow: without it PostgreSQL plans the payment-state query of every invoice
for tables as empty as after the install, and the plan it keeps depends on the dead
rows that earlier runs left (it cost 10 to 150 ms per invoice, in one database or
the other, more than everything the addon does).
With a baseline, ``./dev bench`` runs the same work in both databases turn about,
invoice by invoice, each database in its own process (``turnabout``), so that
whatever else the machine does weighs on both alike."""

import time

from odoo import Command, fields
from odoo.tools import SQL

from .common import ensure_program, process_cpu

SIZES = {"full": 1000, "small": 100}
TARGET_RATIO = 1.03
ANALYZE_EVERY = 100
ANALYZED = (
    "res_partner",
    "account_move",
    "account_move_line",
    "account_partial_reconcile",
    "account_full_reconcile",
    "account_payment",
)
LOYALTY_ANALYZED = (
    "loyalty_points_entry",
    "loyalty_points_allocation",
    "loyalty_points_balance",
    "loyalty_points_entry_move_line_rel",
)


class Workload:
    """``size`` draft invoices (and the warm-up ones) of one database, ready to be
    posted and paid one by one."""

    def __init__(self, env, size):
        self.env = env
        self.size = size
        self.turns = size
        company = env.company
        self.program = ensure_program(env, company)
        self.journal = env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "bank")],
            order="id",
            limit=1,
        )
        product = env["product.product"].create(
            {
                "name": "Benchmark service",
                "type": "service",
                "list_price": 50.0,
                "taxes_id": [Command.clear()],
            }
        )
        customers = env["res.partner"].create(
            [
                {"name": f"Benchmark customer {i}", "is_company": True}
                for i in range(max(size // 10, 1))
            ]
        )
        self.warm = max(3, size // 20)
        invoices = env["account.move"].create(
            [self._invoice_vals(customers, product, i) for i in range(self.warm + size)]
        )
        env.flush_all()
        self.warm_invoices = invoices[: self.warm]
        self.invoices = invoices[self.warm :]
        self.post_seconds = self.pay_seconds = 0.0
        self.post_queries = self.pay_queries = 0
        self.times = []
        self.cpu_seconds = 0.0
        [(self.backend,)] = env.execute_query(SQL("SELECT pg_backend_pid()"))
        self.backend_seconds = 0.0 if process_cpu(self.backend) is not None else None

    @staticmethod
    def _lines(index):
        """(quantity, price) of each line of the invoice ``index``."""
        return ((1 + index % 3, 10.0 + index % 90), (1, 25.0))

    def _invoice_vals(self, customers, product, index):
        return {
            "move_type": "out_invoice",
            "partner_id": customers[index % len(customers)].id,
            "invoice_date": fields.Date.today(),
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": product.id,
                        "quantity": quantity,
                        "price_unit": price,
                        "tax_ids": [Command.clear()],
                    }
                )
                for quantity, price in self._lines(index)
            ],
        }

    def _end_request(self):
        """Do what the end of a request would: write everything, and run what waits
        for the commit (tracking, checks). All invoices share one transaction, to be
        rolled back: without this, what waits for the commit would pile up and slow
        every later invoice down."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.flush_all()

    def _post(self, invoice):
        invoice.action_post()
        self._end_request()

    def _pay(self, invoice):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {"journal_id": self.journal.id, "payment_date": fields.Date.today()}
        )._create_payments()
        self._end_request()

    def warm_up(self):
        self._end_request()
        for invoice in self.warm_invoices:
            self.env.invalidate_all()
            self._post(invoice)
            self._pay(invoice)
        self._analyze()

    def _analyze(self):
        """Fresh planner statistics for the tables the work fills."""
        self.env.flush_all()
        tables = ANALYZED + (LOYALTY_ANALYZED if self.program else ())
        self.env.cr.execute(
            SQL("ANALYZE %s", SQL(", ").join(map(SQL.identifier, tables)))
        )

    def measure(self, index):
        """Post and pay the invoice ``index``, adding to the time and query counts."""
        invoice, cr = self.invoices[index], self.env.cr
        if index and not index % ANALYZE_EVERY:
            self._analyze()
        # Each invoice starts with an empty cache, as a new request would.
        self.env.invalidate_all()
        queries = cr.sql_log_count
        backend = process_cpu(self.backend)
        cpu = time.process_time()
        started = time.perf_counter()
        self._post(invoice)
        posted = time.perf_counter()
        posted_queries = cr.sql_log_count
        self._pay(invoice)
        paid = time.perf_counter()
        self.cpu_seconds += time.process_time() - cpu
        if self.backend_seconds is not None:
            self.backend_seconds += process_cpu(self.backend) - backend
        self.pay_seconds += paid - posted
        self.post_seconds += posted - started
        self.times.append(paid - started)
        self.pay_queries += cr.sql_log_count - posted_queries
        self.post_queries += posted_queries - queries

    def result(self):
        invoices = self.invoices
        result = {
            "invoices": self.size,
            "seconds": self.post_seconds + self.pay_seconds,
            "post_seconds": self.post_seconds,
            # CPU used by Odoo and by its PostgreSQL backend: what the work costs,
            # whatever else the machine runs.
            "odoo_cpu_seconds": self.cpu_seconds,
            "pg_cpu_seconds": self.backend_seconds,
            "pay_seconds": self.pay_seconds,
            "invoice_ms": [round(seconds * 1000.0, 3) for seconds in self.times],
            "queries_per_invoice": (self.post_queries + self.pay_queries) / self.size,
            "post_queries_per_invoice": self.post_queries / self.size,
            "pay_queries_per_invoice": self.pay_queries / self.size,
            "paid": len(
                invoices.filtered(lambda m: m.payment_state in ("paid", "in_payment"))
            ),
            "loyalty_points": bool(self.program),
        }
        if self.program:
            [(earned, points)] = self.env.execute_query(
                SQL(
                    """SELECT COUNT(DISTINCT move_id), COALESCE(SUM(points), 0)
                         FROM loyalty_points_entry WHERE move_id = ANY(%s)""",
                    invoices.ids,
                )
            )
            expected = sum(
                self.program._round_points(2.0 * invoice.amount_untaxed)
                for invoice in invoices
            )
            result.update(earned=earned, points=float(points), expected_points=expected)
        return result


def run(env, size, workload_class=None):
    workload = (workload_class or Workload)(env, size)
    workload.warm_up()
    for index in range(size):
        workload.measure(index)
    return workload.result()
