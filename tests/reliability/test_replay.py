"""Replays on a real server with 4 worker processes (issue 11): a till sends the
same order again (it lost the answer, or drains its queue twice), some of the
repeats at the same time; invoices are reset to draft and posted again, their
payments taken off and matched again. Whatever is replayed, each ticket earns
once and each points payment is taken once."""

from odoo.tests import BaseCase

from . import report
from .invariants import violations
from .scenario import Shop, earned_for, points_for, server_errors, tally
from .server import OdooServer, RpcError
from .test_load import run_together


class TestReplay(BaseCase):
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = OdooServer("replay", workers=4)
        cls.server.__enter__()
        cls.addClassCleanup(cls.server.__exit__, None, None, None)
        cls.shop = Shop(cls.server, tills=2)

    def _receivable_line(self, client, payment_id):
        """The payment's receivable line, the one matched with the invoice."""
        [line_id] = client.call(
            "account.move.line",
            "search",
            [
                ("payment_id", "=", payment_id),
                ("account_id.account_type", "=", "asset_receivable"),
            ],
        )
        return line_id

    def _match(self, client, move_id, line_id):
        client.call("account.move", "js_assign_outstanding_line", [move_id], line_id)

    def _unmatch(self, client, line_id):
        client.call("account.move.line", "remove_move_reconcile", [line_id])

    def _repost(self, client, move_id):
        client.call("account.move", "button_draft", [move_id])
        client.call("account.move", "action_post", [move_id])

    def _payment_state(self, client, move_id):
        [row] = client.call("account.move", "read", [move_id], ["payment_state"])
        return row["payment_state"]

    def test_replays(self):
        """Each POS order synced 3 times with the same uuid (a third of them
        three times at once from three tills' sessions, the others one after
        the other, the repeats as an offline queue sends them), half of them
        paid partly with points; invoices paid by card reset to draft and
        re-posted twice, their payment matched again each time, and taken off
        and matched again once; invoices paid partly with points reset to
        draft (which cancels the points payment: the points go back), re-posted
        and paid again. Afterwards each order exists once, each sync answered
        with it, and the ledger holds, per ticket, one ``earn`` and one
        ``redeem`` not reversed, of the right points: doubled = 0, lost = 0."""
        shop, server = self.shop, self.server
        log_start = len(server.log())
        orders, invoices = report.scaled(18, 240), report.scaled(8, 100)
        start = server.requests
        rhea = shop.customer("Rhea", points=1_000_000)
        cashiers = [shop.cashier() for _n in range(3)]
        invoicer = shop.invoicer()
        expected = {}
        answers_differ = []

        # ---------------------------------------------------------------- POS
        for index in range(orders):
            points = 10.0 if index % 2 else 0.0
            order = shop.order(rhea.partner_id, [(2, 15.0)], points=points, till=index)
            if index % 3 == 0:
                results = run_together(
                    [
                        lambda c=c, o=order, s=(n == 0): shop.sync(c, o, strict=s)
                        for n, c in enumerate(cashiers)
                    ]
                )
            else:
                results = [shop.sync(cashiers[0], order)]
                results += [
                    shop.sync(cashiers[0], order, strict=False) for _n in (1, 2)
                ]
            for result in results:
                if isinstance(result, RpcError):
                    self.fail(f"{result}\n{result.debug}")
                self.assertNotIsInstance(result, Exception, result)
            if len(set(results)) != 1:
                answers_differ.append((index, results))
            with server.env() as env:
                found = env["pos.order"].search([("uuid", "=", order["uuid"])])
                self.assertEqual(len(found), 1, f"order {index} synced 3 times")
            expected[("pos", found.id)] = (
                1,
                earned_for(30.0 - points),
                1 if points else 0,
                points_for(points),
            )
        self.assertEqual(answers_differ, [], "every sync answers with the order")

        # ----------------------------------------------------------- invoices
        for index in range(invoices):
            if index % 2 == 0:
                # Paid by card; reset and re-posted twice, the payment matched
                # again each time; then taken off and matched again.
                move = shop.invoice(invoicer, rhea.partner_id, 40.0)
                [payment] = shop.pay(invoicer, move)
                line = self._receivable_line(invoicer, payment)
                for _again in (1, 2):
                    self._repost(invoicer, move)
                    self.assertEqual(self._payment_state(invoicer, move), "not_paid")
                    self._match(invoicer, move, line)
                self._unmatch(invoicer, line)
                self._match(invoicer, move, line)
                expected[("move", move)] = (1, earned_for(40.0), 0, 0.0)
            else:
                # 5.00 with points, 15.00 by card; reset to draft: the points
                # payment is cancelled (its points go back); re-posted, paid
                # with points again and the card payment matched again.
                move = shop.invoice(invoicer, rhea.partner_id, 20.0)
                shop.pay_with_points(invoicer, move, 5.0)
                [card] = shop.pay(invoicer, move)
                line = self._receivable_line(invoicer, card)
                self._repost(invoicer, move)
                shop.pay_with_points(invoicer, move, 5.0)
                self._match(invoicer, move, line)
                expected[("move", move)] = (1, earned_for(15.0), 1, points_for(5.0))
            self.assertIn(self._payment_state(invoicer, move), ("paid", "in_payment"))

        with server.env() as env:
            lost, doubled = tally(env, shop.program_id).count(expected)
            self.assertEqual(violations(env), [])
        self.assertEqual((lost, doubled), (0, 0))
        errors, _retried = server_errors(server, since=log_start)
        self.assertEqual(errors, [], server.log_path)
        report.record(
            "replay",
            requests=server.requests - start,
            tickets=orders + invoices,
            lost=lost,
            doubled=doubled,
        )
