# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.tests import new_test_user, tagged

from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestPosPoints(LoyaltyPointsPosCommon):
    """Earning and paying with points at the counter, computed on the server when
    the order syncs (no browser: orders are synced as the till sends them)."""

    def test_receipt_figures_of_several_orders(self):
        """Orders read together (a list, the sync's answer) each get their own
        figures: what each earned and was paid with, and its own customer's
        balance."""
        self._grant(10000)
        paid_with_points = self._sync(
            [(self.product, 2)], [(self.points_pm, 30), (self.cash_pm1, 70)]
        )
        other = self.env["res.partner"].create({"name": "Second customer"})
        earning = self._sync([(self.product, 1)], [(self.cash_pm1, 50)], customer=other)
        orders = earning | paid_with_points
        orders.invalidate_recordset()
        self.assertRecordValues(
            orders,
            [
                {
                    "loyalty_points_earned": 100.0,
                    "loyalty_points_spent": 0.0,
                    "loyalty_points_balance": 100.0,
                },
                {
                    "loyalty_points_earned": 0.0,
                    "loyalty_points_spent": 3000.0,
                    "loyalty_points_balance": 7000.0,
                },
            ],
        )

    # ------------------------------------------------------------------ method
    def test_points_method(self):
        """The company's Loyalty Points method is on its points journal, a bank
        journal, identifies the customer, does not earn, is made once, and
        several tills may use it."""
        method = self.points_pm
        self.assertRecordValues(
            method,
            [
                {
                    "journal_id": self.company.loyalty_points_journal_id.id,
                    "type": "bank",
                    "is_cash_count": False,
                    "split_transactions": True,
                    "loyalty_points_redeem": True,
                    "loyalty_points_earn": False,
                    "outstanding_account_id": (
                        self.company.loyalty_points_liability_account_id.id
                    ),
                }
            ],
        )
        self.assertEqual(self.company._loyalty_points_pos_method(), method)
        self.other_currency_config.payment_method_ids |= method
        self.assertIn(method, self.other_currency_config.payment_method_ids)
        self.assertTrue(self.cash_pm1.loyalty_points_earn, "methods earn by default")
        fields = self.env["pos.payment.method"]._load_pos_data_fields(self.config.id)
        self.assertIn("loyalty_points_redeem", fields)

    # ------------------------------------------------------------------ earning
    def test_paid_order_earns(self):
        """A paid order earns on the server from its lines: 2 x 50.00 at 2 points
        per 1.00 is 200 points, written once however often it syncs."""
        data = self.create_ui_order_data(
            [(self.product, 2)], customer=self.customer, payments=[(self.cash_pm1, 100)]
        )
        order = self._sync_data(data)
        self.assertRecordValues(
            self._entries(),
            [{"kind": "earn", "points": 200.0, "pos_order_id": order.id}],
        )
        self.assertEqual(order.loyalty_points_earned, 200.0)
        self.assertEqual(order.loyalty_points_balance, 200.0)
        # The till sends it again (a retry, a second tab): nothing more.
        again = self._sync_data(data)
        self.assertEqual(again, order)
        order._loyalty_points_pos_sync()
        self.assertEqual(self._points(), 200.0)

    def test_share_paid_by_methods_that_earn(self):
        """Paid half by a method that does not earn, the order earns on the rest;
        an order without a customer earns nothing."""
        self._sync([(self.product, 2)], [(self.cash_pm1, 50), (self.card_pm, 50)])
        self.assertEqual(self._points(), 100.0)
        self._sync([(self.product, 2)], [(self.cash_pm1, 100)], customer=False)
        self.assertEqual(self.Entry.search_count([("partner_id", "=", False)]), 0)

    def test_same_rules_as_invoices(self):
        """Excluded products, the minimum ticket and the start date apply as for
        invoices: one arithmetic for every ticket."""
        excluded = self.create_product("Gift card", self.categ_basic, 30.0)
        excluded.loyalty_points_rule = "excluded"
        self._sync([(self.product, 1), (excluded, 1)], [(self.cash_pm1, 80)])
        self.assertEqual(self._points(), 100.0, "the excluded line earns nothing")
        self.program.min_amount = 60.0
        self._sync([(self.product, 1)], [(self.cash_pm1, 50)])
        self.assertEqual(self._points(), 100.0, "below the minimum ticket")
        self.program.min_amount = 0.0
        self.program.rate_type = "per_step"
        self.program.write({"step_amount": 10.0, "step_points": 1.0})
        self._sync([(self.product, 1)], [(self.cash_pm1, 50)])
        self.assertEqual(self._points(), 105.0)

    # ------------------------------------------------------------------ paying
    def test_pay_with_points(self):
        """A points payment redeems on the server through the one redemption
        service: 30.00 takes 3,000 points, linked to the order and its payment;
        a ticket paid with points earns nothing by default."""
        self._grant(10_000)
        order = self._sync(
            [(self.product, 2)],
            [(self.points_pm, 30), (self.cash_pm1, 70)],
            strict=True,
        )
        redeem = self._entries().filtered(lambda e: e.kind == "redeem")
        payment = order.payment_ids.filtered(
            lambda p: p.payment_method_id == self.points_pm
        )
        self.assertRecordValues(
            redeem,
            [
                {
                    "points": -3000.0,
                    "pos_order_id": order.id,
                    "pos_payment_id": payment.id,
                    "origin": order.name,
                }
            ],
        )
        self.assertFalse(self._entries().filtered(lambda e: e.kind == "earn"))
        self.assertEqual(order.loyalty_points_spent, 3000.0)
        self.assertEqual(order.loyalty_points_balance, 7000.0)
        order._loyalty_points_pos_sync(strict=True)
        self.assertEqual(self._points(), 7000.0, "a payment redeems once")

    def test_payload_check_reads_the_methods_at_once(self):
        """The check of a synced order's points payments reads all its payment
        methods in one query (the sync pays for it on every order), whatever
        their number; a method id of no method is still refused."""
        data = self.create_ui_order_data(
            [(self.product, 2)],
            customer=self.customer,
            payments=[(self.points_pm, 10), (self.cash_pm1, 40), (self.card_pm, 50)],
        )
        Order = self.env["pos.order"]
        self.env.invalidate_all()
        with self.assertQueryCount(1):
            Order._loyalty_points_check_payload(data)
        data["payment_ids"][1][2]["payment_method_id"] = 10**9
        self.env.invalidate_all()
        with self.assertRaises(MissingError):
            Order._loyalty_points_check_payload(data)

    def test_strict_refusal_writes_nothing(self):
        """More than the available points, for the order being validated: the
        cashier is told why and nothing is saved (the order stays open)."""
        self._grant(1000)
        before = self.env["pos.order"].search_count([])
        with self.assertRaisesRegex(UserError, "1,000 points available"):
            with self.env.cr.savepoint():
                self._sync(
                    [(self.product, 1)],
                    [(self.points_pm, 20), (self.cash_pm1, 30)],
                    strict=True,
                )
        self.assertEqual(self.env["pos.order"].search_count([]), before)
        self.assertEqual(self._points(), 1000.0)

    def test_offline_order_keeps_the_sale(self):
        """An order sold with points while the till was offline, whose points were
        spent meanwhile: the sale stands, the redemption overdraws, the order
        says so and a loyalty manager gets an activity."""
        self._grant(1000)
        order = self._sync(
            [(self.product, 1)], [(self.points_pm, 20), (self.cash_pm1, 30)]
        )
        self.assertEqual(order.state, "paid")
        self.assertEqual(self._points(), -1000.0)
        self.assertIn("offline", order.message_ids[:1].body)
        activity = self.customer.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn(order.name, activity.summary)
        self.assertTrue(
            activity.user_id.has_group("loyalty_points.group_loyalty_points_manager")
        )

    def test_points_give_no_change(self):
        """Points paying more than the order would turn into change: refused."""
        self._grant(10_000)
        with self.assertRaisesRegex(UserError, "cannot give change"):
            with self.env.cr.savepoint():
                data = self.create_ui_order_data(
                    [(self.product, 1)],
                    customer=self.customer,
                    payments=[(self.points_pm, 60)],
                )
                data["amount_return"] = 10
                self._sync_data(data, strict=True)

    def test_points_need_a_customer(self):
        """A points payment without a customer is refused."""
        with self.assertRaisesRegex(UserError, "choose the customer"):
            with self.env.cr.savepoint():
                self._sync(
                    [(self.product, 1)],
                    [(self.points_pm, 50)],
                    customer=False,
                    strict=True,
                )

    # ------------------------------------------------------------------ refunds
    def test_refund(self):
        """Refunding one of two items takes back half of what the order earned
        and gives back, as points, the share of the refund that points paid,
        with the dates of the lots they came from."""
        self.program.points_paid_earning = "share"
        self._grant(10_000)
        lot = self._entries()
        order = self._sync(
            [(self.product, 2)],
            [(self.points_pm, 50), (self.cash_pm1, 50)],
            strict=True,
        )
        earn = self._entries().filtered(lambda e: e.kind == "earn")
        self.assertEqual(earn.points, 100.0, "the cash half earns")
        line = order.lines
        refund = self._sync(
            [
                {
                    "product": self.product,
                    "quantity": -1,
                    "refunded_orderline_id": line.id,
                }
            ],
            [(self.points_pm, -25), (self.cash_pm1, -25)],
            strict=True,
        )
        new = self._entries().filtered(lambda e: e.pos_order_id == refund)
        reversal = new.filtered(lambda e: e.reversed_entry_id == earn)
        self.assertEqual(reversal.points, -50.0)
        back = new.filtered(lambda e: e.reversed_entry_id.kind == "redeem")
        self.assertEqual(sum(back.mapped("points")), 2500.0)
        self.assertEqual(back.expiry_date, lot.expiry_date)
        self.assertEqual(refund.loyalty_points_earned, -50.0)
        self.assertEqual(refund.loyalty_points_spent, -2500.0)
        self.assertEqual(self._points(), 10_000 - 5000 + 100 - 50 + 2500)

    def test_cumulative_refund_takes_later_steps_from_later_order(self):
        """Cumulative spend at 1 point per 30.00: an order of 50.00 earns 1 point,
        a second one 2 (100.00 is 3 steps). Refunding the first in full leaves 1
        (50.00 is 1 step): the first order gives back its point and the second
        the step the first completed, both in the refund's name, each reversal
        no more than the earning it names."""
        self.program.write(
            {
                "rate_type": "per_step",
                "step_amount": 30.0,
                "step_points": 1.0,
                "mode": "cumulative",
            }
        )
        first = self._sync([(self.product, 1)], [(self.cash_pm1, 50)], strict=True)
        second = self._sync([(self.product, 1)], [(self.cash_pm1, 50)], strict=True)
        self.assertEqual(self._points(), 3)
        refund = self._sync(
            [
                {
                    "product": self.product,
                    "quantity": -1,
                    "refunded_orderline_id": first.lines.id,
                }
            ],
            [(self.cash_pm1, -50)],
            strict=True,
        )
        self.assertEqual(self._points(), 1)
        reverses = self._entries().filtered(lambda e: e.kind == "reverse")
        self.assertEqual(
            [
                (e.pos_order_id, e.reversed_entry_id.pos_order_id, e.points)
                for e in reverses
            ],
            [(refund, first, -1.0), (refund, second, -1.0)],
        )
        self.assertEqual(refund.loyalty_points_earned, -2.0)
        # Synced again (the till's retry): nothing more.
        second._loyalty_points_pos_sync()
        refund._loyalty_points_pos_sync()
        self.assertEqual(self._points(), 1)

    def test_refund_of_points_as_cash_refused(self):
        """A refund of an order paid partly with points cannot pay that share out
        in money."""
        self._grant(10_000)
        order = self._sync(
            [(self.product, 2)],
            [(self.points_pm, 50), (self.cash_pm1, 50)],
            strict=True,
        )
        with self.assertRaisesRegex(UserError, "goes back as points"):
            with self.env.cr.savepoint():
                self._sync(
                    [
                        {
                            "product": self.product,
                            "quantity": -1,
                            "refunded_orderline_id": order.lines.id,
                        }
                    ],
                    [(self.cash_pm1, -50)],
                    strict=True,
                )

    # ------------------------------------------------------------------ invoices
    def test_invoiced_order_earns_once(self):
        """An invoiced order earns once, as an order: its invoice earns nothing
        and the nightly backfill leaves it alone."""
        order = self._sync(
            [(self.product, 2)], [(self.cash_pm1, 100)], is_invoiced=True
        )
        self.assertTrue(order.account_move)
        self.assertRecordValues(
            self._entries(), [{"kind": "earn", "points": 200.0, "move_id": False}]
        )
        self.assertNotIn(order.account_move.id, self.program._backfill_candidate_ids())
        self.program._backfill_invoices()
        self.assertEqual(self._points(), 200.0)

    # ------------------------------------------------------------------ session
    def test_session_close_books_points_once(self):
        """Closing the session books the points payments once: nothing is redeemed
        again, the nightly books do not debit the liability a second time, and
        the liability then equals the value of the outstanding points."""
        self._grant(10_000)
        self._sync(
            [(self.product, 2)],
            [(self.points_pm, 30), (self.cash_pm1, 70)],
            strict=True,
        )
        entries = self._entries()
        session = self.pos_session
        session.post_closing_cash_details(70)
        session.close_session_from_ui()
        self.assertEqual(session.state, "closed")
        self.assertEqual(self._entries(), entries, "the close redeems nothing again")
        self.program._book_points()
        liability = self.company.loyalty_points_liability_account_id
        lines = self.env["account.move.line"].search(
            [("account_id", "=", liability.id), ("parent_state", "=", "posted")]
        )
        outstanding = self._points() * self.program.point_value
        self.assertAlmostEqual(-sum(lines.mapped("balance")), outstanding)

    # ------------------------------------------------------------------ rights
    def test_cashier_reads_balances_only(self):
        """A cashier reads a customer's available points but writes no ledger."""
        cashier = new_test_user(
            self.env,
            "lp_pos_cashier_rights",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        self._grant(500)
        order = self._sync([(self.product, 1)], [(self.cash_pm1, 50)])
        # The till reads every field of its orders as the cashier.
        [values] = order.with_user(cashier).read_pos_data([], self.config.id)[
            "pos.order"
        ]
        self.assertEqual(values["loyalty_points_earned"], 100.0)
        self.assertEqual(values["loyalty_points_balance"], 600.0)
        customer = self.customer.with_user(cashier)
        self.assertEqual(customer.loyalty_points_available, 600.0)
        self.assertEqual(
            customer.loyalty_points_pos_balance(self.config.id)["available"], 600.0
        )
        with self.assertRaises(AccessError):
            self.env["loyalty.points.adjust.wizard"].with_user(cashier).create(
                {"partner_id": self.customer.id, "points": 5, "reason": "x"}
            )
        with self.assertRaises(AccessError):
            self.Entry.with_user(cashier).create(
                {
                    "partner_id": self.customer.id,
                    "program_id": self.program.id,
                    "kind": "adjust",
                    "points": 5,
                }
            )

    def test_counter_reads_the_points_only(self):
        """What the till reads at each customer it selects, and the program's
        figures a session start loads with its configuration, come from the
        registry's cache: the customer's points are the one query, nothing of
        the program is read; and they follow a change of the program at once."""
        self._grant(600)
        self.customer.loyalty_points_pos_balance(self.config.id)
        self.program.invalidate_recordset()  # as in a new request
        with self.assertQueryCount(1):
            figures = self.customer.loyalty_points_pos_balance(self.config.id)
        self.assertEqual(figures["available"], 600.0)
        self.assertEqual(figures["min_redemption"], 1.0)
        self.config.invalidate_recordset(["loyalty_points_min_redemption"])
        with self.assertQueryCount(0):
            self.assertEqual(self.config.loyalty_points_min_redemption, 1.0)
        self.program.write({"min_redemption": 5.0, "pending_hours": 48})
        figures = self.customer.loyalty_points_pos_balance(self.config.id)
        self.assertEqual((figures["min_redemption"], figures["pending_hours"]), (5, 48))
        self.config.invalidate_recordset(["loyalty_points_pending_hours"])
        self.assertEqual(self.config.loyalty_points_pending_hours, 48)

    def test_session_start_loads_available_points(self):
        """The partners a session loads come with the one spendable rule's figures
        (pending points left out, a contact showing its company's points), read
        for the whole list at once as the cashier; the ledger is not loaded."""
        cashier = new_test_user(
            self.env,
            "lp_pos_cashier_load",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=self.company.id,
        )
        self._grant(700)
        self.Entry._write_entries(
            [
                {
                    "partner_id": self.customer.id,
                    "program_id": self.program.id,
                    "kind": "adjust",
                    "points": 300,
                    "reason": "Pending",
                    "available_date": "2999-01-01 00:00:00",
                }
            ]
        )
        contact = self.env["res.partner"].create(
            {"name": "Front desk", "parent_id": self.customer.id}
        )
        # The till loads the partners of the session's orders among others.
        self._sync([(self.product, 1)], [(self.cash_pm1, 50)], customer=contact)
        data = self.pos_session.with_user(cashier).load_data([])
        partners = {p["id"]: p for p in data["res.partner"]["data"]}
        self.assertIn("loyalty_points_available", data["res.partner"]["fields"])
        self.assertNotIn("loyalty.points.entry", data)
        for partner in (self.customer, contact):
            self.assertEqual(partners[partner.id]["loyalty_points_available"], 800.0)
            self.assertAlmostEqual(partners[partner.id]["loyalty_points_value"], 8.0)
        self.assertEqual(
            self.customer.loyalty_points_available,
            partners[self.customer.id]["loyalty_points_available"],
        )
