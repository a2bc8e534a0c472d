# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestPosTour(TestPointOfSaleHttpCommon):
    """The counter in headless Chromium, as a cashier: one shared set-up (Odoo's
    own POS test company, till and cashier) and a program covering the company."""

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
        cls.points_pm = company._loyalty_points_pos_method()
        cls.main_pos_config.payment_method_ids |= cls.points_pm
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
