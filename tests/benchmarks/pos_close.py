"""(h) Closing a Point of Sale session of ``size`` paid orders, with the program on
and half the orders paid partly with points, against the same session in a database
with the Point of Sale and no loyalty addon: what the points payments cost the close.

The session's orders are ``pos_sync``'s (``pos_common.Till``: a customer, two lines,
cash, every other one 10.00 through the Loyalty Points method or, in the baseline, a
voucher method that identifies the customer and books alike), synced through
``sync_from_ui`` outside the measure; the cashier has counted the expected cash.
What is measured is the close as the session form's "Close Session & Post Entries"
button does it (``action_pos_session_closing_control``, then
``action_pos_session_close``: the session's journal entry, one payment per points
payment, the reconciliation), by a Point of Sale manager who is an accountant (the
administrator), as one request. A close cannot be done twice, so each one runs in a
savepoint that is rolled back after it: one close warms the caches up, then
``CLOSES`` closes in each database, turn about (the first one alternating, each
database in its own process: ``turnabout``), and the medians are compared.

Checked in the database with the addon, after the first (warm-up) close: the
session closed and its orders done; the points payments booked once (one payment
each, the points liability debited by their amount once, and none of their
redemptions left to the nightly books); and the ledger unchanged by the close."""

import time

from odoo.tools import SQL

from .common import median
from .pos_common import (
    POINTS_AMOUNT,
    POS_TABLES,
    Meter,
    Till,
    analyze,
    end_request,
)

SIZES = {"full": 500, "small": 100}
TARGET_RATIO = 1.05
CLOSES = 3
SAVEPOINT = "pos_close_benchmark"


class Workload:
    """A session of ``size`` paid orders in one database, ready to be closed."""

    def __init__(self, env, size):
        self.env = env
        self.size = size
        self.turns = CLOSES
        started = time.perf_counter()
        customers = max(size // 5, 1)
        per_customer = -(-size // customers)
        till = self.till = Till(
            env, customers, points_each=100.0 * POINTS_AMOUNT * (per_customer + 1)
        )
        for index in range(size):
            till.sync(till.order_data(index))
        session = till.session
        session.cash_register_balance_end_real = session.cash_register_balance_end
        analyze(env, POS_TABLES)
        self.build_seconds = time.perf_counter() - started
        manager = env.ref("base.user_admin")
        self.manager_env = env(
            user=manager.id,
            context={
                "lang": "en_US",
                "tz": "UTC",
                "allowed_company_ids": till.company.ids,
            },
        )
        self.meter = Meter(env)
        self.times, self.cpu, self.pg_cpu, self.queries = [], [], [], []
        self.checks = None

    def warm_up(self):
        self.close(measure=False)

    def measure(self, _index=None):
        self.close()

    def close(self, measure=True):
        """Close the session once, in a savepoint rolled back afterwards."""
        env, cr = self.env, self.env.cr
        env.flush_all()
        cr.execute(SQL("SAVEPOINT %s", SQL.identifier(SAVEPOINT)))
        try:
            before = self._before_close()
            env.invalidate_all()
            session = self.manager_env["pos.session"].browse(self.till.session.id)

            def close():
                outcome = session.action_pos_session_closing_control()
                end_request(env)
                return outcome

            outcome, wall, cpu, pg, queries = self.meter(close)
            if measure:
                self.times.append(wall)
                self.cpu.append(cpu)
                self.pg_cpu.append(pg)
                self.queries.append(queries)
            if self.checks is None:
                self.checks = self._checks(outcome, before)
        finally:
            env.flush_all()
            cr.execute(SQL("ROLLBACK TO SAVEPOINT %s", SQL.identifier(SAVEPOINT)))
            cr.execute(SQL("RELEASE SAVEPOINT %s", SQL.identifier(SAVEPOINT)))
            env.invalidate_all()
            env.cr.precommit.clear()
            env.cr.postcommit.clear()

    def _before_close(self):
        [(last_line,)] = self.env.execute_query(
            SQL("SELECT COALESCE(MAX(id), 0) FROM account_move_line")
        )
        ledger = self.till.ledger_state() if self.till.program else None
        return {"last_line": last_line, "ledger": ledger}

    def _checks(self, outcome, before):
        env, till = self.env, self.till
        env.flush_all()
        env.invalidate_all()
        session = till.session
        orders = till.orders()
        share_payments = orders.payment_ids.filtered(
            lambda p: p.payment_method_id == till.share_method
        )
        booked = env["account.payment"].search(
            [
                ("pos_session_id", "=", session.id),
                ("pos_payment_method_id", "=", till.share_method.id),
            ]
        )
        checks = {
            "closed": outcome is True and session.state == "closed",
            "orders_done": len(orders.filtered(lambda o: o.state == "done")),
            "share_payments": len(share_payments),
            "share_amount": sum(share_payments.mapped("amount")),
            "share_payments_booked": len(booked),
        }
        if till.program:
            liability = till.company.loyalty_points_liability_account_id
            [(debited,)] = env.execute_query(
                SQL(
                    """SELECT COALESCE(SUM(balance), 0) FROM account_move_line
                        WHERE account_id = %s AND id > %s""",
                    liability.id,
                    before["last_line"],
                )
            )
            [(left_to_books,)] = env.execute_query(
                SQL(
                    """SELECT COUNT(*) FROM (%s) u
                        JOIN loyalty_points_entry e ON e.id = u.id
                       WHERE e.pos_payment_id = ANY(%s)""",
                    env["loyalty.points.program"]._books_unbooked_sql(),
                    share_payments.ids,
                )
            )
            after = till.ledger_state()
            checks.update(
                liability_debited=float(debited),
                left_to_nightly_books=left_to_books,
                ledger_before=list(before["ledger"]),
                ledger_after=list(after),
                ledger_unchanged=after == before["ledger"],
                balance_mismatches=till.balance_mismatches(),
            )
        return checks

    def result(self):
        return {
            "orders": self.size,
            "closes": len(self.times),
            "median_seconds": median(self.times),
            "close_seconds": [round(seconds, 4) for seconds in self.times],
            "odoo_cpu_seconds": median(self.cpu),
            "pg_cpu_seconds": (
                median(self.pg_cpu) if None not in self.pg_cpu else None
            ),
            "queries": median(self.queries),
            "build_seconds": self.build_seconds,
            "loyalty_points": bool(self.till.program),
            **(self.checks or {}),
        }


def run(env, size, closes=CLOSES):
    workload = Workload(env, size)
    workload.close(measure=False)
    for _i in range(closes):
        workload.close()
    return workload.result()
