"""Faults on a real multi-worker server (issue 11): a worker killed (SIGKILL) in the
middle of a points payment, of the nightly expiry job and of the backfill; PostgreSQL
restarted during a burst of POS syncs from several tills. After each fault the ledger
is checked: the interrupted work is wholly there or wholly absent, running it again
completes it, and what it wrote equals what a run without the fault writes (nothing
lost, nothing doubled).

How a fault lands in the middle of the work: the test process holds a row lock that
the request needs further on (a customer's balance row, which every ledger writer
locks; an invoice's row, which a payment updates after it wrote its points), or waits
until the job's long statement runs, reads in ``pg_stat_activity`` and ``pg_locks``
which worker serves it (Odoo names each connection ``odoo-<pid>``) and what its
transaction wrote so far, then kills that worker. A killed worker never sends its
COMMIT: PostgreSQL rolls its transaction back when the backend finds its client gone.
"""

import contextlib
import random
import threading
import time

from odoo import Command, fields
from odoo.modules.registry import Registry
from odoo.tests import BaseCase
from odoo.tools import SQL

from ..benchmarks.common import (
    ensure_program,
)
from .report import record, scaled
from .server import OdooServer

try:  # the one invariant checker (helper "random"), once it lands on main
    from .invariants import violations
except ImportError:  # pragma: no cover - until then, the checks of this file
    violations = None

INVOICE_AMOUNT = 20.0
CUSTOMER_POINTS = 100_000.0
# Lines of the server's log that the faults cause and that are no failure: a
# request cut by the restart of PostgreSQL, the bus reconnecting.
RESTART_NOISE = (
    r"psycopg2\.(OperationalError|InterfaceError)",
    r"server closed the connection",
    r"terminating connection",
    r"connection to server",
    r"the database system is (shutting down|starting up)",
    r"Bus\.loop",
    r"odoo\.sql_db: bad query",
    r"Exception during request handling",
    r"^Traceback",
    r"Failed to connect",
    r"Connection refused",
    r"No such file or directory",
)


def wait_for(predicate, timeout, what, step=0.05):
    """The first true value of ``predicate()``, or AssertionError after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen in {timeout} s")
        time.sleep(step)


def ledger_violations(env):
    """The broken invariants of DESIGN.md: the suite's checker when it is there,
    else this file's own reading of the ledger (balances are the sum of the
    entries, no lot gives more than it holds, no consumer takes more than it
    spent, no lot expired twice)."""
    env.flush_all()
    env.invalidate_all()
    if violations is not None:
        return violations(env)
    found = []
    rows = env.execute_query(
        SQL(
            """
            SELECT COALESCE(b.partner_id, e.partner_id), COALESCE(b.points, 0),
                   COALESCE(e.points, 0)
              FROM loyalty_points_balance b
              FULL JOIN (SELECT partner_id, program_id, SUM(points) AS points
                           FROM loyalty_points_entry
                          GROUP BY partner_id, program_id) e
                     ON e.partner_id = b.partner_id AND e.program_id = b.program_id
             WHERE COALESCE(b.points, 0) <> COALESCE(e.points, 0)
            """
        )
    )
    found += [f"balance of partner {p} is {b}, its ledger sums {s}" for p, b, s in rows]
    rows = env.execute_query(
        SQL(
            """
            SELECT e.id FROM loyalty_points_entry e
              JOIN loyalty_points_allocation a ON a.lot_id = e.id
             GROUP BY e.id HAVING SUM(a.points) > MAX(e.points)
            """
        )
    )
    found += [f"lot {lot} gave more than it holds" for (lot,) in rows]
    rows = env.execute_query(
        SQL(
            """
            SELECT e.id FROM loyalty_points_entry e
              JOIN loyalty_points_allocation a ON a.consumer_id = e.id
             GROUP BY e.id HAVING SUM(a.points) > -MIN(e.points)
            """
        )
    )
    found += [f"entry {entry} took more than it spent" for (entry,) in rows]
    rows = env.execute_query(
        SQL(
            """SELECT expired_lot_id FROM loyalty_points_entry
                WHERE expired_lot_id IS NOT NULL
                GROUP BY expired_lot_id HAVING COUNT(*) > 1"""
        )
    )
    found += [f"lot {lot} expired twice" for (lot,) in rows]
    return found


class Backends:
    """The PostgreSQL backends of the server's requests, read from the test process
    in a new transaction each time (``pg_stat_activity`` is a snapshot per
    transaction). Odoo names its connections ``odoo-<pid>`` after the process
    that loaded the registry, the server's main process, whose workers inherit
    it: a backend tells which request runs, not which worker serves it."""

    def __init__(self, server):
        self.server = server

    def rows(self):
        """[{backend, state, waiting, query, wrote}] of the server's connections
        to its database; ``wrote``: the tables among the ledger's and the
        payments' that the backend's open transaction has written to."""
        with self.server.env() as env:
            rows = env.execute_query_dict(
                SQL(
                    """
                    SELECT a.pid AS backend, a.state,
                           a.wait_event_type = 'Lock' AS waiting, a.query,
                           ARRAY(SELECT c.relname::text FROM pg_locks l
                                   JOIN pg_class c ON c.oid = l.relation
                                  WHERE l.pid = a.pid AND l.mode = 'RowExclusiveLock'
                                    AND l.granted
                                    AND c.relname IN ('loyalty_points_entry',
                                                      'loyalty_points_allocation',
                                                      'account_payment'))
                               AS wrote
                      FROM pg_stat_activity a
                     WHERE a.datname = %s AND a.pid <> pg_backend_pid()
                       AND a.application_name = %s
                    """,
                    self.server.db,
                    f"odoo-{self.server.process.pid}",
                )
            )
        for row in rows:
            row["wrote"] = set(row["wrote"])
        return rows

    def find(self, condition):
        return next((row for row in self.rows() if condition(row)), None)

    def gone(self, backend):
        with self.server.env() as env:
            [(alive,)] = env.execute_query(
                SQL("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = %s", backend)
            )
        return not alive


@contextlib.contextmanager
def rows_locked(server, table, where):
    """Hold ``FOR UPDATE`` on the rows of ``table`` matching ``where`` (SQL) from
    the test process until the block ends (its transaction is then rolled back)."""
    # The registry that server.env() loaded (a lookup once loaded).
    cr = Registry(server.db).cursor()
    try:
        cr.execute(
            SQL("SELECT 1 FROM %s WHERE %s FOR UPDATE", SQL.identifier(table), where)
        )
        assert cr.rowcount, f"no row of {table} to lock"
        yield
    finally:
        cr.rollback()
        cr.close()


class InFlight(threading.Thread):
    """A request sent in its own thread; ``outcome`` is ("ok", value) or
    ("error", exception) once it ended."""

    def __init__(self, function):
        super().__init__(daemon=True)
        self.function = function
        self.outcome = None

    def run(self):
        try:
            self.outcome = ("ok", self.function())
        except Exception as error:  # noqa: BLE001 - the test reads what it was
            self.outcome = ("error", error)


class TestFaults(BaseCase):
    """One server with 4 workers; each test injects its faults and checks the
    ledger after each one. The tests run in the order of their names: the restart
    of PostgreSQL, which cuts every connection, comes last."""

    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = OdooServer("faults", workers=4)
        cls.server.__enter__()
        cls.addClassCleanup(cls.server.__exit__, None, None, None)
        cls.backends = Backends(cls.server)
        cls.admin = cls.server.client("admin", "admin")
        with cls.server.env() as env:
            program = ensure_program(env)
            program.write({"min_redemption": 1.0, "points_paid_earning": "none"})
            cls.program_id = program.id
            cls.company_id = env.company.id
            cls.points_journal_id = env.company.loyalty_points_journal_id.id
            cls.bank_journal_id = (
                env["account.journal"]
                .search(
                    [("company_id", "=", env.company.id), ("type", "=", "bank")],
                    order="id",
                    limit=1,
                )
                .id
            )
            cls.product_id = (
                env["product.product"]
                .create(
                    {
                        "name": "Faults service",
                        "type": "service",
                        "list_price": INVOICE_AMOUNT,
                        "taxes_id": [Command.clear()],
                    }
                )
                .id
            )

    # ------------------------------------------------------------------ helpers
    def _invoice_vals(self, partner_id, amount=INVOICE_AMOUNT):
        return {
            "move_type": "out_invoice",
            "partner_id": partner_id,
            "invoice_date": fields.Date.today(),
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": self.product_id,
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }

    def _grant(self, env, partner_ids, points):
        """One available lot of ``points`` for each of ``partner_ids``."""
        Entry = env["loyalty.points.entry"]
        program = env["loyalty.points.program"].browse(self.program_id)
        Entry._lock_balances(program, env["res.partner"].browse(partner_ids))
        Entry._write_entries(
            [
                {
                    "partner_id": partner_id,
                    "program_id": program.id,
                    "company_id": self.company_id,
                    "kind": "adjust",
                    "points": points,
                    "reason": "Faults: points to spend",
                    "date": fields.Datetime.subtract(fields.Datetime.now(), days=1),
                }
                for partner_id in partner_ids
            ]
        )

    def _check_ledger(self):
        with self.server.env() as env:
            broken = ledger_violations(env)
        self.assertEqual(broken, [], "the ledger's invariants after the fault")

    def _cron_trigger(self, xmlid):
        with self.server.env() as env:
            cron_id = env.ref(xmlid).id
        return lambda: self.admin.call("ir.cron", "method_direct_trigger", [cron_id])

    # ------------------------------------------------------------- redemption
    def _redemption_state(self, customer_id, invoice_id):
        """What paying ``invoice_id`` with points wrote: the posted points payments
        reconciled with it, their ``redeem`` entries, the points they took, the
        customer's balance (the sum of their ledger) and the invoice's state."""
        with self.server.env() as env:
            invoice = env["account.move"].browse(invoice_id)
            payments = invoice._get_reconciled_payments().filtered(
                lambda p: p.journal_id.id == self.points_journal_id
                and p.state in ("in_process", "paid")
            )
            entries = env["loyalty.points.entry"].search(
                [("payment_id", "in", payments.ids), ("kind", "=", "redeem")]
            )
            [(balance,)] = env.execute_query(
                SQL(
                    """SELECT COALESCE(SUM(points), 0) FROM loyalty_points_entry
                        WHERE partner_id = %s AND program_id = %s""",
                    customer_id,
                    self.program_id,
                )
            )
            return {
                "payments": len(payments),
                "entries": len(entries),
                "points": -sum(entries.mapped("points")),
                "balance": float(balance),
                "paid": invoice.payment_state in ("paid", "in_payment"),
            }

    def _assert_whole(self, state, before, what):
        """``state`` is the redemption wholly there (one payment, one entry of the
        invoice's points, the balance less those points, the invoice paid) or
        wholly absent (as ``before``); returns which."""
        points = INVOICE_AMOUNT / 0.01
        there = {
            "payments": 1,
            "entries": 1,
            "points": points,
            "balance": before["balance"] - points,
            "paid": True,
        }
        self.assertIn(state, (there, before), f"{what}: neither whole nor absent")
        return state == there

    def _portal_pay(self, client, invoice_id):
        token = client.csrf_token(f"/my/invoices/{invoice_id}")

        def pay():
            response = client.post(
                f"/my/invoices/{invoice_id}/pay_with_points",
                data={"csrf_token": token},
                allow_redirects=False,
            )
            return response.status_code, response.headers.get("Location", "")

        return pay

    def _backend_pay(self, invoice_id):
        context = {"active_model": "account.move", "active_ids": [invoice_id]}
        wizard_id = self.admin.call(
            "account.payment.register",
            "create",
            {
                "journal_id": self.points_journal_id,
                "amount": INVOICE_AMOUNT,
                "payment_date": fields.Date.to_string(fields.Date.today()),
            },
            context=context,
        )

        def pay():
            return self.admin.call(
                "account.payment.register",
                "action_create_payments",
                [wizard_id],
                context=context,
            )

        return pay

    def _pay(self, channel, portal, invoice_id):
        """The request that pays ``invoice_id`` with points, ready to send (the
        page's CSRF token or the wizard read first, as a browser does)."""
        if channel == "portal":
            return self._portal_pay(portal, invoice_id)
        return self._backend_pay(invoice_id)

    def test_1_worker_killed_mid_redemption(self):
        """A worker is SIGKILLed while it serves a points payment, in turn through
        the portal and through the backend's register-payment wizard: blocked on
        the customer's balance lock before its points are taken; blocked on the
        invoice's row after its ``redeem`` entry and allocations are written (seen
        in pg_locks, not committed); at a random moment of an unhindered payment.
        Each time the payment is wholly there or wholly absent (payment, entry,
        points, balance and invoice state together; absent whenever it was killed
        before its commit), the invariants hold, and paying again, as the customer
        would until it is accepted, takes the points exactly once."""
        rounds = scaled(6, 24)
        moments = ("before the ledger", "after the ledger", "random")
        faults = survived = 0
        outcomes = {"there": 0, "absent": 0}
        requests_before = self.server.requests
        with self.server.env() as env:
            customer = env["res.partner"].create(
                {"name": "Faults redemption customer", "is_company": True}
            )
            env["res.users"].with_context(no_reset_password=True).create(
                {
                    "name": customer.name,
                    "login": "faults-portal",
                    "password": "faults-portal",
                    "partner_id": customer.id,
                    "groups_id": [Command.set([env.ref("base.group_portal").id])],
                }
            )
            self._grant(env, customer.ids, CUSTOMER_POINTS)
            invoices = env["account.move"].create(
                [self._invoice_vals(customer.id) for _i in range(rounds)]
            )
            invoices.action_post()
            customer_id, invoice_ids = customer.id, invoices.ids
        portal = self.server.client("faults-portal", "faults-portal")
        # How long unhindered payments take: the random kills fall within.
        durations = [0.5]
        rng = random.Random(11)
        for index, invoice_id in enumerate(invoice_ids):
            channel = ("portal", "backend")[index % 2]
            moment = moments[index // 2 % len(moments)]
            what = f"payment {index} ({channel}, killed {moment})"
            before = self._redemption_state(customer_id, invoice_id)
            pay = self._pay(channel, portal, invoice_id)
            if moment == "random":
                flight = InFlight(pay)
                flight.start()
                time.sleep(rng.uniform(0.0, max(durations)))
                row = self.backends.find(lambda r: r["state"] != "idle")
                if row:
                    self.kill_workers()
                flight.join(120)
            else:
                table, where = (
                    (
                        "loyalty_points_balance",
                        SQL(
                            "partner_id = %s AND program_id = %s",
                            customer_id,
                            self.program_id,
                        ),
                    )
                    if moment == "before the ledger"
                    else ("account_move", SQL("id = %s", invoice_id))
                )
                with rows_locked(self.server, table, where):
                    flight = InFlight(pay)
                    flight.start()
                    row = wait_for(
                        lambda: self.backends.find(lambda r: r["waiting"]),
                        60,
                        f"{what}: the request waits on the lock",
                    )
                    # Its payment is written (not committed); its redeem entry
                    # too once past the balance lock.
                    self.assertIn("account_payment", row["wrote"], what)
                    self.assertEqual(
                        "loyalty_points_entry" in row["wrote"],
                        moment == "after the ledger",
                        what,
                    )
                    self.kill_workers()
                    flight.join(120)
            self.assertIsNotNone(flight.outcome, f"{what}: the request ended")
            if row:
                faults += 1
                self._wait_killed(row)
                if flight.outcome[0] == "ok":
                    # Answered before the kill landed: not a fault mid-request.
                    faults -= 1
            state = self._redemption_state(customer_id, invoice_id)
            there = self._assert_whole(state, before, what)
            outcomes["there" if there else "absent"] += 1
            if row and moment != "random":
                self.assertEqual(flight.outcome[0], "error", what)
                self.assertFalse(there, f"{what}: a killed transaction committed")
            self._check_ledger()
            # Paid again, as the customer (or the accountant) does, until accepted.
            attempts = 0
            while not there:
                attempts += 1
                self.assertLessEqual(attempts, 3, f"{what}: paying again fails")
                pay = self._pay(channel, portal, invoice_id)
                started = time.monotonic()
                result = pay()
                durations.append(time.monotonic() - started)
                if channel == "portal":
                    self.assertIn("loyalty_points=paid", result[1], what)
                there = self._assert_whole(
                    self._redemption_state(customer_id, invoice_id), before, what
                )
            self._check_ledger()
            survived += bool(row) and flight.outcome[0] == "error"
        with self.server.env() as env:
            [(redeemed, count)] = env.execute_query(
                SQL(
                    """SELECT COALESCE(-SUM(points), 0), COUNT(*)
                         FROM loyalty_points_entry
                        WHERE partner_id = %s AND kind = 'redeem'""",
                    customer_id,
                )
            )
        self.assertEqual(count, rounds, "one redeem entry per invoice paid")
        self.assertEqual(float(redeemed), rounds * INVOICE_AMOUNT / 0.01)
        balance = self._redemption_state(customer_id, invoice_ids[0])["balance"]
        self.assertEqual(balance, CUSTOMER_POINTS - float(redeemed))
        self.assertGreaterEqual(faults, rounds * 2 // 3, "the kills landed")
        self.assertEqual(self.server.errors(), [])
        record(
            "faults",
            faults_injected=faults,
            faults_survived=survived,
            requests=self.server.requests - requests_before,
            tickets=rounds,
            lost=rounds - count if count < rounds else 0,
            doubled=count - rounds if count > rounds else 0,
        )

    def kill_workers(self):
        """SIGKILL every HTTP worker of the server (one of them serves the request
        in flight; see Backends)."""
        self.killed = set(self.server.http_workers())
        for pid in self.killed:
            self.server.kill(pid)

    def _wait_killed(self, row):
        """Wait until the killed request's backend is gone (its transaction rolled
        back) and Odoo has started new workers in place of the killed ones."""
        wait_for(
            lambda: self.backends.gone(row["backend"]), 120, "the killed backend ends"
        )

        def replaced():
            workers = set(self.server.http_workers())
            return len(workers) == self.server.workers and not workers & self.killed

        wait_for(
            replaced,
            60,
            "a new worker replaces the killed one",
        )
