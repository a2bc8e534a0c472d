"""Concurrency on a real server with 4 worker processes (issue 11): many clients
spend one customer's points at once through the three channels (the till, the
backend, the portal), and a mix of tickets from several clients at once leaves
a ledger in which every ticket earned exactly once.

Each client is its own ``Client`` (its own HTTP session, as a till or a browser
is), in its own thread; a barrier lets them go together."""

import threading

from odoo.tests import BaseCase

from . import report
from .invariants import violations
from .scenario import Shop, earned_for, points_for, server_errors, tally
from .server import OdooServer, RpcError

PAID = ("paid", "in_payment")


def run_together(workers):
    """Run the callables ``workers`` each in its own thread, released together;
    returns their results in order (an exception is returned, not raised)."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(index, worker):
        barrier.wait()
        try:
            results[index] = worker()
        except Exception as error:  # noqa: BLE001 (reported by the test)
            results[index] = error

    threads = [
        threading.Thread(target=run, args=(index, worker))
        for index, worker in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    return results


def again(told_busy, step, *args, tries=5):
    """``step(*args)``, tried again when the server says the customer's points
    are busy with another payment (each of Odoo's own tries beaten), as its
    user would; each such clean refusal is appended to ``told_busy``. Any other
    error goes up, and the last try's refusal too."""
    for attempt in range(1, tries + 1):
        try:
            result = step(*args)
        except RpcError as error:
            busy = error.refusal and "another payment" in error.message
            if not busy or attempt == tries:
                raise
        else:
            # The portal says so in its redirect, not as an RPC error.
            if result != (303, "refused") or attempt == tries:
                return result
        told_busy.append(step.__name__)


class TestLoad(BaseCase):
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = OdooServer("load", workers=4)
        cls.server.__enter__()
        cls.addClassCleanup(cls.server.__exit__, None, None, None)
        cls.shop = Shop(cls.server, tills=2)

    def setUp(self):
        super().setUp()
        self.log_start = len(self.server.log())

    def assertNoServerErrors(self):
        """No error in the server's log since the test began but the
        serialization failures that Odoo retried (how two writers of one
        customer's balance are kept apart); returns how many there were."""
        errors, retried = server_errors(self.server, since=self.log_start)
        self.assertEqual(errors, [], self.server.log_path)
        return retried

    def _settle(self, figures, **row):
        """After a test's burst: no ticket lost or doubled, the invariants hold
        and the server logged no error; print ``figures`` with the failures
        Odoo retried, and record ``row`` of the suite's table."""
        self.assertEqual((row["lost"], row["doubled"]), (0, 0))
        self.assertInvariants()
        retried = self.assertNoServerErrors()
        print(  # noqa: T201 (the figures behind the row of the table)
            f"{figures}, {retried} serialization failures retried"
        )
        report.record("load", **row)

    def assertInvariants(self):
        with self.server.env() as env:
            self.assertEqual(violations(env), [])
            # The balance of every customer is the sum of their ledger.
            env.cr.execute(
                """SELECT b.partner_id, b.points, COALESCE(SUM(e.points), 0)
                     FROM loyalty_points_balance b
                     LEFT JOIN loyalty_points_entry e
                       ON e.partner_id = b.partner_id AND e.program_id = b.program_id
                    WHERE b.program_id = %s
                    GROUP BY b.partner_id, b.points
                   HAVING ROUND(b.points, 4) <> ROUND(COALESCE(SUM(e.points), 0), 4)""",
                [self.shop.program_id],
            )
            self.assertEqual(env.cr.fetchall(), [])

    # ------------------------------------------------------------------ race
    def test_concurrent_redemptions(self):
        """50 redemptions of 10.00 (1,000 points each) of one customer holding
        20,000 points, from 10 clients at once, mixed: POS orders paid with the
        Loyalty Points method (synced strictly, as the cashier validates them),
        backend points payments of invoices by an invoicing user, and portal
        payments of invoices by the customer. 20 win (the points allow no
        more), each written once on the ledger; the 30 others get a clean
        refusal (a UserError over RPC, the portal's "not enough points"
        redirect), never a server error. A payment that, in the rush, another
        beat to the customer's balance on each of Odoo's tries is told to try
        again, as cleanly ("busy"); the points are then still there. The
        customer's available points end at what no winner took (0 without a
        busy one), never below."""
        shop, server = self.shop, self.server
        attempts, clients, cost, amount = 50, 10, points_for(10.0), 10.0
        winners_possible = 20
        start = server.requests
        ceres = shop.customer("Ceres", points=winners_possible * cost, portal=True)
        invoicer = shop.invoicer()
        kinds = ["pos", "backend", "portal"]
        plan = [kinds[index % 3] for index in range(attempts)]
        invoices = iter(
            shop.invoices(
                invoicer, ceres.partner_id, [amount] * (attempts - plan.count("pos"))
            )
        )
        plan = [
            (
                kind,
                shop.order(ceres.partner_id, [(1, amount)], points=amount)
                if kind == "pos"
                else next(invoices),
            )
            for kind in plan
        ]

        def client_work(number):
            cashier, invoicing, portal = (
                shop.cashier(),
                shop.invoicer(),
                shop.portal(ceres),
            )
            outcomes = []
            for index in range(number, attempts, clients):
                kind, target = plan[index]
                try:
                    if kind == "pos":
                        shop.sync(cashier, target)
                        outcome = "won"
                    elif kind == "backend":
                        shop.pay_with_points(invoicing, target)
                        outcome = "won"
                    else:
                        status, code = shop.portal_pay(portal, target)
                        if status == 303 and code == "paid":
                            outcome = "won"
                        elif status == 303 and code in ("short", "refused"):
                            # Not enough points; or, in a rush, beaten to the
                            # customer's balance on each of Odoo's tries.
                            outcome = "refused" if code == "short" else "busy"
                        else:
                            outcome = f"error: HTTP {status}, {code}"
                except RpcError as error:
                    if not error.refusal:
                        outcome = f"error: {error}"
                    elif "another payment" in error.message:
                        outcome = "busy"
                    else:
                        outcome = "refused"
                outcomes.append((index, outcome))
            return outcomes

        results = run_together([lambda n=n: client_work(n) for n in range(clients)])
        outcomes = {}
        for result in results:
            self.assertNotIsInstance(result, Exception, result)
            outcomes.update(result)
        self.assertEqual(len(outcomes), attempts)
        errors = {
            i: o for i, o in outcomes.items() if o not in ("won", "refused", "busy")
        }
        self.assertEqual(errors, {}, "every loser is refused cleanly")
        won = sorted(i for i, o in outcomes.items() if o == "won")
        busy = sum(1 for o in outcomes.values() if o == "busy")
        # As many win as the points allow, no more; fewer only when some were
        # told to try again (the points are then still there).
        self.assertLessEqual(len(won), winners_possible)
        if not busy:
            self.assertEqual(len(won), winners_possible)
        self.assertEqual(
            shop.available(ceres.partner_id), (winners_possible - len(won)) * cost
        )

        with server.env() as env:
            Entry = env["loyalty.points.entry"]
            entries = Entry.search([("partner_id", "=", ceres.partner_id)])
            redeems = entries.filtered(lambda e: e.kind == "redeem")
            self.assertEqual(len(redeems), len(won))
            self.assertEqual(sum(redeems.mapped("points")), -len(won) * cost)
            self.assertFalse(entries.filtered(lambda e: e.kind == "reverse"))
            lost = doubled = 0
            for index, (kind, target) in enumerate(plan):
                if kind == "pos":
                    orders = env["pos.order"].search([("uuid", "=", target["uuid"])])
                    found = redeems.filtered(lambda e, o=orders: e.pos_order_id in o)
                    # A refused order is not kept: the cashier is told, the
                    # order stays open on the till.
                    self.assertEqual(len(orders), 1 if index in won else 0)
                else:
                    move = env["account.move"].browse(target)
                    found = redeems.filtered(lambda e, m=move: e.move_id == m)
                    self.assertEqual(
                        move.payment_state in PAID, index in won, move.name
                    )
                wanted = 1 if index in won else 0
                lost += max(wanted - len(found), 0)
                doubled += max(len(found) - wanted, 0)
            # The available points never went below zero: the ledger, read in
            # order, never spent more than it held.
            running = 0.0
            for entry in entries.sorted("id"):
                running += entry.points
                self.assertGreaterEqual(running, 0.0, entry.display_name)
        self._settle(
            f"load race: {len(won)} won, {attempts - len(won) - busy} refused, "
            f"{busy} busy",
            requests=server.requests - start,
            tickets=attempts,
            lost=lost,
            doubled=doubled,
        )

    # ------------------------------------------------------------- two tabs
    def test_two_tabs_pay_one_invoice_once(self):
        """The customer confirms "Pay with points" for one invoice in two tabs
        at the same instant (two sessions posting together), invoice after
        invoice, holding points for every invoice twice over: each invoice is
        paid once, with one redemption of its points; the other tab is told it
        is already paid (or, beaten to the balance on each of Odoo's tries, to
        try again), never a server error."""
        shop, server = self.shop, self.server
        rounds, amount = report.scaled(3, 20), 10.0
        start = server.requests
        vesta = shop.customer(
            "Vesta", points=2 * rounds * points_for(amount), portal=True
        )
        moves = shop.invoices(shop.invoicer(), vesta.partner_id, [amount] * rounds)
        tabs = [shop.portal(vesta), shop.portal(vesta)]
        codes = []
        for move in moves:
            results = run_together(
                [lambda tab=tab, move=move: shop.portal_pay(tab, move) for tab in tabs]
            )
            for result in results:
                self.assertNotIsInstance(result, Exception, result)
                self.assertEqual(result[0], 303, result)
            codes.append(sorted(code for _status, code in results))
        for pair in codes:
            self.assertEqual(pair.count("paid"), 1, codes)
            self.assertIn(pair[1 - pair.index("paid")], ("already_paid", "refused"))
        lost = doubled = 0
        with server.env() as env:
            for move in env["account.move"].browse(moves):
                redeems = env["loyalty.points.entry"].search(
                    [("move_id", "=", move.id), ("kind", "=", "redeem")]
                )
                self.assertIn(move.payment_state, PAID, move.name)
                lost += max(1 - len(redeems), 0)
                doubled += max(len(redeems) - 1, 0)
                self.assertEqual(sum(redeems.mapped("points")), -points_for(amount))
        self.assertEqual(shop.available(vesta.partner_id), rounds * points_for(amount))
        self._settle(
            f"load two tabs: {rounds} invoices, "
            f"{sum(pair.count('already_paid') for pair in codes)} told already paid",
            requests=server.requests - start,
            tickets=rounds,
            lost=lost,
            doubled=doubled,
        )

    # ------------------------------------------------------------------ mix
    def test_mixed_tickets(self):
        """Tickets from 8 clients at once (64 at the small size, so that the
        test command stays within its time, 1,000 at the full size), each
        client cycling through: an invoice paid by card, an
        invoice paid partly with points in the backend, a POS order paid by
        card, a POS order paid partly with points, a credit note of an invoice
        it was paid, a POS refund of half an order, a reward on an invoice,
        and a portal payment of an invoice with points, on 5 customers shared
        by every client. Afterwards the invariants hold, and each ticket holds
        exactly what it should: one ``earn`` of its card share (none for a
        ticket wholly paid with points, reversed for a credit note, half for
        a half refund) and one ``redeem`` of its points share. A step told to
        try again (the customer's points busy on each of Odoo's tries) is tried
        again, as its user would; any other error fails the test."""
        shop, server = self.shop, self.server
        total, clients = report.scaled(64, 1000), 8
        start = server.requests
        customers = [
            shop.customer(f"Mix {n}", points=1_000_000, portal=True) for n in range(5)
        ]
        reward_id = shop.reward(100.0, "Mix reward")

        told_busy = []

        def client_work(number):
            cashier, invoicer = shop.cashier(), shop.invoicer()
            portals = {}
            expected = {}
            handled = 0
            card_invoices, card_orders = [], []
            for index in range(number, total, clients):
                customer = customers[index % len(customers)]
                partner = customer.partner_id
                kind = (index // clients + number) % 8
                if kind == 4 and not card_invoices:
                    kind = 0
                if kind == 5 and not card_orders:
                    kind = 2
                if kind == 0:
                    move = shop.invoice(invoicer, partner, 40.0)
                    again(told_busy, shop.pay, invoicer, move)
                    expected[("move", move)] = (1, earned_for(40.0), 0, 0.0)
                    card_invoices.append(move)
                elif kind == 1:
                    move = shop.invoice(invoicer, partner, 20.0)
                    again(told_busy, shop.pay_with_points, invoicer, move, 5.0)
                    again(told_busy, shop.pay, invoicer, move)
                    expected[("move", move)] = (
                        1,
                        earned_for(15.0),
                        1,
                        points_for(5.0),
                    )
                elif kind == 2:
                    order = shop.order(partner, [(2, 15.0)], till=index)
                    order_id = again(told_busy, shop.sync, cashier, order)
                    expected[("pos", order_id)] = (1, earned_for(30.0), 0, 0.0)
                    card_orders.append((order_id, partner))
                elif kind == 3:
                    order = shop.order(partner, [(1, 30.0)], points=10.0, till=index)
                    order_id = again(told_busy, shop.sync, cashier, order)
                    expected[("pos", order_id)] = (
                        1,
                        earned_for(20.0),
                        1,
                        points_for(10.0),
                    )
                elif kind == 4:
                    move = card_invoices.pop(0)
                    again(told_busy, shop.credit_note, invoicer, move)
                    expected[("move", move)] = (0, 0.0, 0, 0.0)
                elif kind == 5:
                    order_id, partner = card_orders.pop(0)
                    refund = shop.refund(cashier, order_id, partner, [(1, 15.0)])
                    again(told_busy, shop.sync, cashier, refund)
                    expected[("pos", order_id)] = (1, earned_for(15.0), 0, 0.0)
                elif kind == 6:
                    move = shop.invoice(invoicer, partner, 25.0, post=False)
                    again(told_busy, shop.redeem_reward, invoicer, move, reward_id)
                    invoicer.call("account.move", "action_post", [move])
                    again(told_busy, shop.pay, invoicer, move)
                    expected[("move", move)] = (1, earned_for(25.0), 1, 100.0)
                else:
                    move = shop.invoice(invoicer, partner, 12.0)
                    if partner not in portals:
                        portals[partner] = shop.portal(customer)
                    status, code = again(
                        told_busy, shop.portal_pay, portals[partner], move
                    )
                    if (status, code) != (303, "paid"):
                        raise AssertionError(f"portal payment: {status} {code}")
                    expected[("move", move)] = (0, 0.0, 1, points_for(12.0))
                handled += 1
            return expected, handled

        results = run_together([lambda n=n: client_work(n) for n in range(clients)])
        expected, handled = {}, 0
        for result in results:
            if isinstance(result, RpcError):
                self.fail(f"{result}\n{result.debug}")
            self.assertNotIsInstance(result, Exception, result)
            expected.update(result[0])
            handled += result[1]
        self.assertEqual(handled, total)
        with server.env() as env:
            lost, doubled = tally(env, shop.program_id).count(expected)
        self._settle(
            f"load mix: {total} tickets, {server.requests - start} requests, "
            f"{len(told_busy)} steps told to try again",
            requests=server.requests - start,
            tickets=total,
            lost=lost,
            doubled=doubled,
        )
