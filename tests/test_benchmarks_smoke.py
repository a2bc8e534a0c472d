"""The benchmarks of ./dev bench, run at a tiny size: they build sane data and
measure what they claim to."""

from odoo.tests import HttpCase, TransactionCase
from odoo.tools import SQL

from .benchmarks import (
    accrual,
    balance,
    expiry,
    portal,
    pos_close,
    pos_session_start,
    pos_sync,
    redeem,
    search,
)


class TestBenchmarksSmoke(TransactionCase):
    # Odoo tags only classes under odoo.addons; these cross-addon tests live outside.
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    def _ledger_matches_balances(self, name_prefix):
        """Every benchmark partner's balance row equals the SUM of its entries."""
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT p.id, COALESCE(SUM(e.points), 0) AS ledger,
                       (SELECT b.points FROM loyalty_points_balance b
                         WHERE b.partner_id = p.id) AS balance
                  FROM res_partner p
                  LEFT JOIN loyalty_points_entry e ON e.partner_id = p.id
                 WHERE p.name LIKE %s
                 GROUP BY p.id
                """,
                name_prefix + "%",
            )
        )
        self.assertTrue(rows)
        for row in rows:
            self.assertEqual(row["ledger"], row["balance"] or 0, row)
        return rows

    def test_accrual(self):
        """The accrual benchmark posts and pays its invoices and they earn points."""
        result = accrual.run(self.env, 20)
        self.assertEqual(result["invoices"], 20)
        self.assertEqual(result["paid"], 20)
        self.assertTrue(result["loyalty_points"])
        self.assertEqual(result["earned"], 20)
        self.assertGreater(result["points"], 0)
        self.assertEqual(result["points"], result["expected_points"])
        self.assertGreater(result["seconds"], 0)

    def test_expiry(self):
        """The expiry benchmark writes its entries, the balances follow them, and
        the job expires exactly the lots past their date, once."""
        result = expiry.run(self.env, 2000)
        entries = self.env["loyalty.points.entry"].search_count(
            [("partner_id.name", "=like", "Benchmark expiry customer %")]
        )
        self.assertGreaterEqual(entries, 2000)
        self.assertGreater(result["expected"], 0)
        self._ledger_matches_balances("Benchmark expiry customer ")
        self.assertEqual(result["expired"], result["expected"])
        self.assertEqual(result["second_run_expired"], 0)

    def test_balance(self):
        """The balance read equals the SUM of the partner's entries."""
        result = balance.run(self.env, 2000)
        self.assertEqual(result["entries"], 2000 + result["expired_lots"])
        self.assertGreater(result["expired_lots"], 0)
        self.assertEqual(result["balance"], result["expected"])
        self.assertEqual(result["available"], result["expected_available"])
        self.assertEqual(
            result["unexpired_available"], result["unexpired_expected_available"]
        )
        self.assertGreater(result["available"], 0)
        self.assertGreater(result["balance"], 0)
        self.assertGreater(result["pending"], 0, "the ten newest lots are pending")
        self.assertGreater(result["median_ms"], 0)
        self.assertGreater(result["cold_median_ms"], 0)
        self._ledger_matches_balances("Benchmark balance customer ")

    def test_search(self):
        """The search finds exactly the partners whose ledger reaches the threshold."""
        result = search.run(self.env, 2000)
        self.assertGreater(result["expected"], 0)
        self.assertLess(result["expected"], 2000)
        self.assertEqual(result["found"], result["expected"])
        self.assertTrue(result["exact"])
        self.assertTrue(result["exact_available"])
        self.assertGreater(result["median_ms"], 0)

    def test_redeem(self):
        """The redeem benchmark pays each invoice half with points, half in cash: one
        redeem entry of 5,000 points per invoice, booked against the liability, and
        balances that stay the SUM of the ledger."""
        result = redeem.run(self.env, 10)
        self.assertEqual(result["invoices"], 10)
        self.assertEqual(result["paid"], 10)
        self.assertEqual(result["points_payments"], 10)
        self.assertEqual(result["redeemed_invoices"], 10)
        self.assertEqual(result["redeem_entries"], 10)
        self.assertEqual(result["wrong_redemptions"], 0)
        self.assertEqual(result["redeemed_points"], 50_000)
        self.assertEqual(result["expected_points"], 50_000)
        self.assertEqual(result["earned_points"], 0, "tickets paid with points")
        self.assertEqual(result["liability_booked"], 500.0)
        self.assertEqual(result["expected_liability"], 500.0)
        self.assertEqual(result["balance_mismatches"], 0)
        self.assertGreater(result["pay_seconds"], 0)

    def test_pos_sync(self):
        """The POS sync benchmark syncs its paid orders through sync_from_ui: each
        earns once what its cash share is worth, each points payment redeems
        1,000 points once, balances stay the SUM of the ledger, and orders sent
        again write nothing."""
        result = pos_sync.run(self.env, 6)
        self.assertEqual(result["orders"], 6)
        self.assertEqual(result["synced"], 6)
        self.assertEqual(result["paid"], 6)
        self.assertTrue(result["loyalty_points"])
        self.assertEqual(result["earned_orders"], 6)
        self.assertEqual(result["wrong_earns"], 0)
        self.assertGreater(result["points"], 0)
        self.assertEqual(result["points"], result["expected_points"])
        self.assertEqual(result["points_payments"], 3)
        self.assertEqual(result["expected_points_payments"], 3)
        self.assertEqual(result["redeemed_payments"], 3)
        self.assertEqual(result["wrong_redemptions"], 0)
        self.assertEqual(result["redeemed_points"], 3000)
        self.assertEqual(result["expected_redeemed_points"], 3000)
        self.assertEqual(result["balance_mismatches"], 0)
        self.assertEqual(result["replay_new_entries"], 0)
        self.assertEqual(result["orders_after_replay"], 6)
        self.assertGreater(result["seconds"], 0)
        self.assertGreater(result["queries_per_order"], 0)

    def test_pos_session_start(self):
        """The POS session start benchmark loads the till's data as its cashier:
        the customers it loads come with their available points, those of their
        ledger, and the ledger itself is not loaded."""
        result = pos_session_start.run(self.env, 200, reads=2)
        self.assertEqual(result["reads"], 2)
        self.assertGreater(result["customers_loaded"], 0)
        self.assertEqual(result["customers_with_points"], result["customers_loaded"])
        self.assertEqual(result["points_mismatches"], 0)
        self.assertFalse(result["ledger_loaded"])
        self.assertGreater(result["median_ms"], 0)
        self.assertGreater(result["response_bytes"], 0)

    def test_pos_close(self):
        """The POS close benchmark closes its session (twice, each rolled back):
        the orders are done, each points payment is booked once against the
        liability and none is left to the nightly books, and the close writes
        nothing in the ledger."""
        result = pos_close.run(self.env, 6, closes=2)
        self.assertEqual(result["closes"], 2)
        self.assertTrue(result["closed"])
        self.assertEqual(result["orders_done"], 6)
        self.assertEqual(result["share_payments"], 3)
        self.assertEqual(result["share_payments_booked"], 3)
        self.assertEqual(result["share_amount"], 30.0)
        self.assertEqual(result["liability_debited"], 30.0)
        self.assertEqual(result["left_to_nightly_books"], 0)
        self.assertTrue(result["ledger_unchanged"])
        self.assertEqual(result["balance_mismatches"], 0)
        self.assertGreater(result["median_seconds"], 0)
        # The close was rolled back: the session is open again.
        session = self.env["pos.session"].search(
            [("config_id.name", "=", "Benchmark till")], order="id desc", limit=1
        )
        self.assertEqual(session.state, "opened")


class TestPortalBenchmarkSmoke(HttpCase):
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    def test_portal(self):
        """The portal benchmark serves /my/points and /my, with the points card, to
        the customer's portal user."""
        result = portal.run(self.env, 200)
        self.assertEqual(result["history_rows"], 20)
        self.assertTrue(result["loyalty_points"])
        self.assertEqual(result["requests"], portal.REQUESTS)
        self.assertGreater(result["points_median_ms"], 0)
        self.assertGreater(result["home_median_ms"], 0)
