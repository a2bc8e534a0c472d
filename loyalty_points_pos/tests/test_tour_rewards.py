# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestPosRewardTour(TestPointOfSaleHttpCommon):
    """Rewards at the counter in headless Chromium, as a cashier: Odoo's own POS
    test company and till, a program covering the company, a customer with
    3,000 points, and a catalogue of two rewards (800 and 5,000 points)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.main_pos_config.company_id
        Program = cls.env["loyalty.points.program"]
        Program.search([("company_ids", "in", company.ids)]).active = False
        cls.program = Program.create(
            {
                "name": "Counter Club",
                "state": "on",
                "company_ids": [Command.set(company.ids)],
                "date_start": "2020-01-01",
                "rate": 2.0,
                "point_value": 0.01,
                "min_redemption": 1.0,
            }
        )
        # The till loads the first customers by name: this one comes first.
        cls.customer = cls.env["res.partner"].create({"name": "AAA Loyal Customer"})
        cls.haircut = cls.env["product.product"].create(
            {
                "name": "Tour Haircut",
                "available_in_pos": True,
                "list_price": 50.0,
                "taxes_id": [Command.clear()],
            }
        )
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
        Entry = cls.env["loyalty.points.entry"]
        Entry._lock_balances(cls.program, cls.customer)
        Entry._write_entries(
            [
                {
                    "partner_id": cls.customer.id,
                    "program_id": cls.program.id,
                    "company_id": company.id,
                    "kind": "adjust",
                    "points": 3000,
                    "reason": "Tour",
                }
            ]
        )

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
