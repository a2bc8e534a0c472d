# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import threading
from datetime import date
from types import SimpleNamespace

from psycopg2.extensions import TransactionRollbackError

from odoo import SUPERUSER_ID, Command, api, http
from odoo.exceptions import UserError
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE, retrying
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RealConnectionsCase, remove_committed_ledger


@tagged("post_install", "-at_install")
class TestRedeemConcurrency(RealConnectionsCase):
    """Two cashiers spend the same points at the same moment, on two real database
    connections (the data is committed: another connection cannot see a test
    transaction). It is removed afterwards."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            program = env["loyalty.points.program"].create(
                {
                    "name": "Redeem race",
                    "active": False,  # beside the demo program of the company
                    "state": "on",
                    "company_ids": [Command.set(env.ref("base.main_company").ids)],
                    "point_value": 0.01,
                    "min_redemption": 0.01,
                }
            )
            partner = env["res.partner"].create({"name": "Redeem race customer"})
            env["loyalty.points.entry"]._write_entries(
                [
                    {
                        "partner_id": partner.id,
                        "program_id": program.id,
                        "company_id": program.company_ids.id,
                        "points": 200.0,
                        "kind": "adjust",
                        "reason": "race",
                        "expiry_date": date(2999, 1, 1),
                    }
                ]
            )
            self.program_id, self.partner_id = program.id, partner.id
        self.addCleanup(self._remove_data)

    def _remove_data(self):
        remove_committed_ledger(self.registry, self.program_id, [self.partner_id])

    def _cashier(self, name, started, proceed, outcome):
        """One request: snapshot first (like any real request), wait for the other
        cashier, then spend 1.50 (150 points), retried as Odoo's RPC layer does.
        The cursor commits when the request succeeds and rolls back otherwise."""
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                program = (
                    env["loyalty.points.program"]
                    .with_context(active_test=False)
                    .browse(self.program_id)
                )
                # The transaction's snapshot is taken by its first query.
                env["res.partner"].browse(self.partner_id).read(["name"])
                started.set()
                proceed.wait(10)

                def spend():
                    program._redeem(env["res.partner"].browse(self.partner_id), 1.50)

                retrying(spend, env)
            outcome[name] = "spent"
        except UserError as error:
            outcome[name] = str(error)

    def test_two_cashiers_one_wins(self):
        """Two redemptions of the same points at once: one wins, the other is told."""
        outcome = {}
        a_started, b_started = threading.Event(), threading.Event()
        go = threading.Event()
        a = threading.Thread(target=self._cashier, args=("a", a_started, go, outcome))
        b = threading.Thread(target=self._cashier, args=("b", b_started, go, outcome))
        # The loser's serialization failure is logged, then retried. Muted here,
        # around both threads: a mute entered and left by each thread would let one
        # thread unmute while the other still logs.
        with mute_logger("odoo.service.model", "odoo.sql_db"):
            a.start()
            b.start()
            self.assertTrue(a_started.wait(10) and b_started.wait(10))
            go.set()  # both transactions already hold a snapshot with 200 points
            a.join(60)
            b.join(60)
        self.assertEqual(sorted(outcome), ["a", "b"])
        self.assertEqual(list(outcome.values()).count("spent"), 1, outcome)
        refused = next(value for value in outcome.values() if value != "spent")
        self.assertIn("50 points available", refused)
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT COUNT(*) FILTER (WHERE kind = 'redeem'), SUM(points) "
                "FROM loyalty_points_entry WHERE program_id = %s",
                [self.program_id],
            )
            self.assertEqual(cr.fetchone(), (1, 50.0))
            cr.execute(
                "SELECT points FROM loyalty_points_balance WHERE program_id = %s",
                [self.program_id],
            )
            self.assertEqual(float(cr.fetchone()[0]), 50.0)

    def _assert_last_try_refused(self, write, message):
        """``write(env)`` in a transaction whose snapshot is older than another
        payment's commit: Odoo's tries fail with the serialization error as it
        is (Odoo tries the request again), and its last try with a UserError
        matching ``message`` instead of a server error. Nothing is written."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            # The transaction's snapshot is taken by its first query.
            env["res.partner"].browse(self.partner_id).read(["name"])
            # Meanwhile another payment spends and commits.
            with self.registry.cursor() as other:
                other_env = api.Environment(other, SUPERUSER_ID, {})
                other_env["loyalty.points.program"].with_context(
                    active_test=False
                ).browse(self.program_id)._redeem(
                    other_env["res.partner"].browse(self.partner_id), 0.50
                )
            fake = SimpleNamespace(env=env)  # what _() reads of a request
            http._request_stack.push(fake)
            try:
                with mute_logger("odoo.sql_db"):
                    for _try in range(MAX_TRIES_ON_CONCURRENCY_FAILURE - 1):
                        with self.assertRaises(TransactionRollbackError):
                            with cr.savepoint(flush=False):
                                write(env)
                    with self.assertRaisesRegex(UserError, message):
                        with cr.savepoint(flush=False):
                            write(env)
            finally:
                http._request_stack.pop()
            self.assertEqual(fake._loyalty_points_lock_failures, 5)
            cr.rollback()
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT COUNT(*), SUM(points) FROM loyalty_points_entry "
                "WHERE program_id = %s",
                [self.program_id],
            )
            self.assertEqual(cr.fetchone(), (2, 150.0))

    def test_last_try_is_refused_cleanly(self):
        """A redemption whose snapshot is older than another payment's commit
        loses the balance lock: on Odoo's last try the customer is told (a rush
        of payments of one customer beat it every time)."""

        def lock(env):
            env["loyalty.points.entry"]._lock_balances(
                env["loyalty.points.program"]
                .with_context(active_test=False)
                .browse(self.program_id),
                env["res.partner"].browse(self.partner_id),
            )

        self._assert_last_try_refused(lock, "another payment")

    def test_earning_on_last_try_is_refused_cleanly(self):
        """An earning does not lock the balance first: the balance trigger
        updates it, and fails as the lock does when another payment of the
        customer committed since the transaction's snapshot. On Odoo's last try
        the user is told instead of a server error (a backend payment of a busy
        customer, seen with 8 clients on 5 customers)."""

        def earn(env):
            env["loyalty.points.entry"]._write_entries(
                [
                    {
                        "partner_id": self.partner_id,
                        "program_id": self.program_id,
                        "company_id": env.ref("base.main_company").id,
                        "points": 30.0,
                        "kind": "grant",
                        "reason": "race",
                    }
                ]
            )

        self._assert_last_try_refused(earn, "nothing was recorded")
