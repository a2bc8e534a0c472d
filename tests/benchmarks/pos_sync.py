"""(f) Syncing paid Point of Sale orders through ``pos.order.sync_from_ui``, with the
program on, against the same orders in a database with the Point of Sale and no
loyalty addon: what earning and redeeming at the counter cost.

The till, its session, the cashier and the customers are ``pos_common.Till``'s:
each order has a customer and two lines and is paid in cash, every other one
partly (10.00) with the Loyalty Points method (in the baseline, a bank method that
identifies the customer); the customers hold their points beforehand, one lot each
written with set-based SQL. Each order is sent by the cashier, one at a time, as
the till does when the cashier validates it, and handled as a request would: an
empty cache, the JSON of the response, and what waits for the commit. A few more
orders are synced first, outside the measure, to warm the caches up; after them
and every ``ANALYZE_EVERY`` orders, outside the measure too, both databases ANALYZE
the tables the work fills, as autovacuum would (see ``accrual``).
With a baseline, the same orders run in both databases turn about, order by order,
the first one alternating, each database in its own process (``turnabout``).

Checked from the database afterwards: every order paid, one earn entry per order
with the points expected (2 per 1.00 of its cash share), one redeem entry of 1,000
points per points payment, balances equal to the SUM of the ledger, and a replay
of already synced orders (the till sending them again) writing nothing more."""

import time

from odoo.tools import SQL

from .common import process_cpu
from .pos_common import POINTS_AMOUNT, POS_TABLES, Till, analyze

SIZES = {"full": 500, "small": 100}
TARGET_RATIO = 1.05
ANALYZE_EVERY = 100
REPLAYED = 5


class Workload:
    """``size`` paid orders (and the warm-up ones) for one database's till."""

    def __init__(self, env, size):
        self.env = env
        self.size = size
        self.turns = size
        self.warm = max(3, size // 20)
        customers = max(size // 5, 1)
        per_customer = -(-(self.warm + size) // customers)
        till = self.till = Till(
            env, customers, points_each=100.0 * POINTS_AMOUNT * (per_customer + 1)
        )
        self.warm_data = [till.order_data(i) for i in range(self.warm)]
        self.data = [till.order_data(self.warm + i) for i in range(size)]
        self.seconds = 0.0
        self.queries = 0
        self.times = []
        self.cpu_seconds = 0.0
        [(self.backend,)] = env.execute_query(SQL("SELECT pg_backend_pid()"))
        self.backend_seconds = 0.0 if process_cpu(self.backend) is not None else None

    def warm_up(self):
        for data in self.warm_data:
            self.env.invalidate_all()
            self.till.sync(dict(data))
        analyze(self.env, POS_TABLES)

    def measure(self, index):
        """Sync the order ``index``, adding to the time and query counts."""
        if index and not index % ANALYZE_EVERY:
            analyze(self.env, POS_TABLES)
        data, cr = dict(self.data[index]), self.env.cr
        # Each order starts with an empty cache, as a new request would.
        self.env.invalidate_all()
        queries = cr.sql_log_count
        backend = process_cpu(self.backend)
        cpu = time.process_time()
        started = time.perf_counter()
        self.till.sync(data)
        seconds = time.perf_counter() - started
        self.cpu_seconds += time.process_time() - cpu
        if self.backend_seconds is not None:
            self.backend_seconds += process_cpu(self.backend) - backend
        self.seconds += seconds
        self.times.append(seconds)
        self.queries += cr.sql_log_count - queries

    def result(self):
        till = self.till
        names = {data["name"] for data in self.data}
        orders = till.orders().filtered(lambda o: o.pos_reference in names)
        result = {
            "orders": self.size,
            "seconds": self.seconds,
            "odoo_cpu_seconds": self.cpu_seconds,
            "pg_cpu_seconds": self.backend_seconds,
            "order_ms": [round(seconds * 1000.0, 3) for seconds in self.times],
            "queries_per_order": self.queries / self.size,
            "synced": len(orders),
            "paid": len(orders.filtered(lambda o: o.state == "paid")),
            "loyalty_points": bool(till.program),
        }
        if till.program:
            indexes = range(self.warm, self.warm + self.size)
            result.update(
                till.ledger_checks(
                    orders,
                    till.expected_points(indexes),
                    sum(1 for i in indexes if till.share_of(i)),
                )
            )
            # The till sends orders again (a retry, a second tab): nothing more.
            before = till.ledger_state()
            for data in self.data[:REPLAYED]:
                self.env.invalidate_all()
                till.sync(dict(data))
            result["replayed"] = REPLAYED
            result["replay_new_entries"] = till.ledger_state()[0] - before[0]
            result["orders_after_replay"] = len(till.orders()) - self.warm
        return result


def run(env, size):
    workload = Workload(env, size)
    workload.warm_up()
    for index in range(size):
        workload.measure(index)
    return workload.result()
