# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import threading
from datetime import date

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.service.model import retrying
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
