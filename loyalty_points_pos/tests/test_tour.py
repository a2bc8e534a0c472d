# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from .common import LoyaltyPointsTourCommon


@tagged("post_install", "-at_install")
class TestPosTour(LoyaltyPointsTourCommon):
    """The counter in headless Chromium, as a cashier: one shared set-up (Odoo's
    own POS test company, till and cashier) and a program covering the company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.main_pos_config.company_id
        cls.program = cls._loyalty_points_program()
        cls.points_pm = company._loyalty_points_pos_method()
        cls.main_pos_config.payment_method_ids |= cls.points_pm
        # The till loads the first customers by name: this one comes first.
        cls.customer = cls.env["res.partner"].create({"name": "AAA Loyal Customer"})
        cls.haircut = cls._loyalty_points_haircut()
        cls._loyalty_points_grant(cls.customer, 3000)

    def test_pay_with_points(self):
        """The cashier pays part of an order with points: the customer is needed,
        the amount is capped at the points' worth, the receipt prints the
        points used and the balance; the server redeemed them once."""
        self.start_pos_tour("loyalty_points_pos_pay_tour")
        order = self.env["pos.order"].search(
            [("partner_id", "=", self.customer.id)], limit=1
        )
        self.assertEqual(order.state, "paid")
        entries = order.loyalty_points_entry_ids
        self.assertRecordValues(
            entries.filtered(lambda e: e.kind == "redeem"),
            [
                {
                    "points": -3000.0,
                    "pos_payment_id": order.payment_ids.filtered(
                        lambda p: p.payment_method_id == self.points_pm
                    ).id,
                }
            ],
        )
        self.assertFalse(entries.filtered(lambda e: e.kind == "earn"))
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.loyalty_points_balance, 0.0)
