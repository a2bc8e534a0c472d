# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.tests import tagged

from .common import LoyaltyPointsTourCommon


@tagged("post_install", "-at_install")
class TestPosRewardTour(LoyaltyPointsTourCommon):
    """Rewards at the counter in headless Chromium, as a cashier: Odoo's own POS
    test company and till, a program covering the company, a customer with
    3,000 points, and a catalogue of two rewards (800 and 5,000 points)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls._loyalty_points_program()
        # The till loads the first customers by name: this one comes first.
        cls.customer = cls.env["res.partner"].create({"name": "AAA Loyal Customer"})
        cls.haircut = cls._loyalty_points_haircut()
        # Not sold at the counter: it comes to the till as a reward's product.
        cls.shampoo = cls.env["product.product"].create(
            {
                "name": "Tour Shampoo",
                "available_in_pos": False,
                "list_price": 12.0,
                "taxes_id": [Command.clear()],
            }
        )
        Reward = cls.env["loyalty.points.reward"]
        cls.reward = Reward.create(
            {
                "name": "Free Shampoo",
                "program_id": cls.program.id,
                "points_cost": 800,
                "product_id": cls.shampoo.id,
            }
        )
        Reward.create(
            {
                "name": "Spa Day",
                "program_id": cls.program.id,
                "points_cost": 5000,
                "product_id": cls.shampoo.id,
            }
        )
        cls._loyalty_points_grant(cls.customer, 3000)

    def test_reward_at_the_counter(self):
        """The cashier is told to choose the customer, then gives the one reward
        the customer can afford: a line of its product at 0.00; the server
        redeemed its 800 points once at sync, and the haircut alone earned."""
        self.start_pos_tour("loyalty_points_pos_reward_tour")
        order = self.env["pos.order"].search(
            [("partner_id", "=", self.customer.id)], limit=1
        )
        self.assertEqual(order.state, "paid")
        line = order.lines.filtered("loyalty_points_reward_id")
        self.assertRecordValues(
            line,
            [
                {
                    "loyalty_points_reward_id": self.reward.id,
                    "product_id": self.shampoo.id,
                    "qty": 1.0,
                    "price_unit": 0.0,
                    "price_subtotal_incl": 0.0,
                }
            ],
        )
        entries = order.loyalty_points_entry_ids.sorted("id")
        self.assertRecordValues(
            entries,
            [
                {"kind": "redeem", "points": -800.0, "pos_order_line_id": line.id},
                {"kind": "earn", "points": 100.0, "pos_order_line_id": False},
            ],
        )
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.loyalty_points_balance, 2300.0)
