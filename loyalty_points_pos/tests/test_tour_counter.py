# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from .common import LoyaltyPointsTourCommon


@tagged("post_install", "-at_install")
class TestPosCounterTour(LoyaltyPointsTourCommon):
    """At the counter in headless Chromium: an over-limit attempt and a refusal,
    a refund from the refund screen, an order validated offline. One shared
    set-up: a program at 2 points per 1.00 (points worth 0.01, paying with
    points from 1.00, tickets paid with points earn on the rest), a customer
    with 3,000 points, one with 50, a card method that does not earn."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.main_pos_config.company_id
        cls.program = cls._loyalty_points_program(points_paid_earning="share")
        cls.points_pm = company._loyalty_points_pos_method()
        cls.card_pm = cls.bank_payment_method
        cls.card_pm.loyalty_points_earn = False
        cls.cash_pm = cls.main_pos_config.payment_method_ids.filtered(
            lambda m: m.name == "Cash"
        )
        cls.main_pos_config.payment_method_ids |= cls.points_pm | cls.card_pm
        # The till loads the first customers by name: these come first.
        cls.customer, cls.few = cls.env["res.partner"].create(
            [{"name": "AAA Loyal Customer"}, {"name": "AAB Few Points"}]
        )
        cls._loyalty_points_haircut()
        cls.Entry = cls.env["loyalty.points.entry"]
        cls._loyalty_points_grant(cls.customer, 3000)
        cls._loyalty_points_grant(cls.few, 50)

    def _orders(self, partner=False):
        return self.env["pos.order"].search(
            [("partner_id", "=", partner and partner.id)], order="id"
        )

    def _entries(self, orders):
        return self.Entry.search([("pos_order_id", "in", orders.ids)], order="id")

    def _points(self, partner):
        partner.invalidate_recordset()
        return partner.loyalty_points_balance

    def test_refused_and_capped(self):
        """Below the minimum redemption the method refuses and the order (paid
        by a card that does not earn) writes nothing; over the customer's points
        the line is capped at their worth and a larger amount is refused."""
        self.start_pos_tour("loyalty_points_pos_limit_tour")
        refused = self._orders(self.few)
        self.assertEqual(len(refused), 1)
        self.assertEqual(refused.state, "paid")
        self.assertEqual(refused.payment_ids.payment_method_id, self.card_pm)
        self.assertFalse(self._entries(refused))
        self.assertEqual(self._points(self.few), 50.0)

        capped = self._orders(self.customer)
        self.assertEqual(len(capped), 1)
        self.assertEqual(capped.state, "paid")
        points_payment = capped.payment_ids.filtered(
            lambda p: p.payment_method_id == self.points_pm
        )
        self.assertEqual(points_payment.amount, 30.0)
        self.assertRecordValues(
            self._entries(capped),
            [
                {
                    "kind": "redeem",
                    "points": -3000.0,
                    "pos_payment_id": points_payment.id,
                },
                # 20.00 paid in cash earns, at 2 points per 1.00.
                {"kind": "earn", "points": 40.0, "pos_payment_id": False},
            ],
        )
        self.assertEqual(self._points(self.customer), 40.0)

    def test_refund(self):
        """A refund from the refund screen takes back its share of the earning
        and gives the share paid with points back as points, to the redemption
        it came from."""
        self.start_pos_tour("loyalty_points_pos_refund_tour")
        sale, refund = self._orders(self.customer)
        self.assertEqual((sale.state, refund.state), ("paid", "paid"))
        self.assertEqual(refund.amount_total, -50.0)
        self.assertEqual(refund.lines.refunded_orderline_id.order_id, sale)
        sale_points = sale.payment_ids.filtered(
            lambda p: p.payment_method_id == self.points_pm
        )
        redeem, earn = self._entries(sale)
        self.assertRecordValues(
            redeem + earn,
            [
                {"kind": "redeem", "points": -3000.0, "pos_payment_id": sale_points.id},
                # 70.00 of the 100.00 paid in cash earns.
                {"kind": "earn", "points": 140.0, "pos_payment_id": False},
            ],
        )
        refund_points = refund.payment_ids.filtered(
            lambda p: p.payment_method_id == self.points_pm
        )
        self.assertEqual(refund_points.amount, -15.0)
        self.assertRecordValues(
            self._entries(refund),
            [
                # 15.00 of the refund (30% of it, as points paid 30% of the
                # sale) goes back as points, to the sale's redemption.
                {
                    "kind": "reverse",
                    "points": 1500.0,
                    "reversed_entry_id": redeem.id,
                    "pos_payment_id": refund_points.id,
                },
                # Half the haircuts are back: half the earning goes.
                {
                    "kind": "reverse",
                    "points": -70.0,
                    "reversed_entry_id": earn.id,
                    "pos_payment_id": False,
                },
            ],
        )
        self.assertEqual(self._points(self.customer), 140.0 - 70.0 + 1500.0)

    def test_offline(self):
        """An order paid partly with points while the till is offline earns and
        redeems once when the connection comes back and the next sale syncs."""
        self.start_pos_tour("loyalty_points_pos_offline_tour")
        offline = self._orders(self.customer)
        self.assertEqual(len(offline), 1)
        self.assertEqual(offline.state, "paid")
        points_payment = offline.payment_ids.filtered(
            lambda p: p.payment_method_id == self.points_pm
        )
        self.assertEqual(points_payment.amount, 30.0)
        self.assertRecordValues(
            self._entries(offline),
            [
                {
                    "kind": "redeem",
                    "points": -3000.0,
                    "pos_payment_id": points_payment.id,
                },
                {"kind": "earn", "points": 40.0, "pos_payment_id": False},
            ],
        )
        self.assertEqual(self._points(self.customer), 40.0)
        # The points sufficed: nothing for a loyalty manager to look at.
        self.assertFalse(
            offline.message_ids.filtered(lambda m: "offline" in (m.body or ""))
        )
        # The sale that brought it along has no customer and no points.
        anonymous = self._orders().filtered(
            lambda o: o.session_id == offline.session_id
        )
        self.assertEqual(len(anonymous), 1)
        self.assertEqual(anonymous.state, "paid")
        self.assertFalse(self._entries(anonymous))
