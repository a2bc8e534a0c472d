# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command

from odoo.addons.point_of_sale.tests.common import TestPoSCommon
from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


class LoyaltyPointsPosCommon(TestPoSCommon):
    """Odoo's own POS test set-up (a charted company, a till with cash, bank and
    split methods) with a program at 2 points per 1.00 covering the company, its
    Loyalty Points method on the till, and a tax-free product of 50.00."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Program = cls.env["loyalty.points.program"]
        # A company takes part in one active program: set the demo one aside.
        Program.search([("company_ids", "in", cls.company.ids)]).active = False
        cls.program = Program.create(
            {
                "name": "Counter Club",
                "state": "on",
                "company_ids": [Command.set(cls.company.ids)],
                "date_start": "2020-01-01",
                "rate_type": "per_currency",
                "rate": 2.0,
                "point_value": 0.01,
                "min_redemption": 1.0,
            }
        )
        cls.points_pm = cls.company._loyalty_points_pos_method()
        cls.config = cls.basic_config
        cls.config.payment_method_ids |= cls.points_pm
        cls.product = cls.create_product("Haircut", cls.categ_basic, 50.0)
        # Card payments do not earn (a method cannot change while a session is
        # open).
        cls.card_pm = cls.bank_pm1
        cls.card_pm.loyalty_points_earn = False
        cls.customer.is_company = True
        cls.Entry = cls.env["loyalty.points.entry"]

    def setUp(self):
        super().setUp()
        self.open_new_session()

    def _grant(self, points, partner=None):
        """``points`` spendable now for ``partner`` (the customer by default)."""
        partner = partner or self.customer
        self.Entry._lock_balances(self.program, partner)
        return self.Entry._write_entries(
            [
                {
                    "partner_id": partner.id,
                    "program_id": self.program.id,
                    "kind": "adjust",
                    "points": points,
                    "reason": "Test",
                }
            ]
        )

    def _sync(self, lines, payments, customer=None, strict=False, **kw):
        """Sync one paid order as the till does; return the order."""
        data = self.create_ui_order_data(
            lines,
            customer=self.customer if customer is None else customer,
            payments=payments,
            **kw,
        )
        return self._sync_data(data, strict=strict)

    def _sync_data(self, data, strict=False):
        Order = self.env["pos.order"]
        if strict:
            Order = Order.with_context(loyalty_points_strict_uuids=[data["uuid"]])
        result = Order.sync_from_ui([dict(data)])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def _entries(self, partner=None):
        return self.Entry.search(
            [("partner_id", "=", (partner or self.customer).id)], order="id"
        )

    def _points(self, partner=None):
        return sum(self._entries(partner).mapped("points"))


class LoyaltyPointsTourCommon(TestPointOfSaleHttpCommon):
    """Odoo's own POS tour set-up (a company, its till and cashier) with what the
    counter tours share: a program covering the company, a haircut of 50.00
    without taxes, and customers holding points."""

    @classmethod
    def _loyalty_points_program(cls, **vals):
        """A program at 2 points per 1.00, points worth 0.01, paying with points
        from 1.00, covering the till's company (the demo one set aside: a
        company takes part in one active program)."""
        company = cls.main_pos_config.company_id
        Program = cls.env["loyalty.points.program"]
        Program.search([("company_ids", "in", company.ids)]).active = False
        return Program.create(
            {
                "name": "Counter Club",
                "state": "on",
                "company_ids": [Command.set(company.ids)],
                "date_start": "2020-01-01",
                "rate": 2.0,
                "point_value": 0.01,
                "min_redemption": 1.0,
                **vals,
            }
        )

    @classmethod
    def _loyalty_points_haircut(cls):
        return cls.env["product.product"].create(
            {
                "name": "Tour Haircut",
                "available_in_pos": True,
                "list_price": 50.0,
                "taxes_id": [Command.clear()],
            }
        )

    @classmethod
    def _loyalty_points_grant(cls, partner, points):
        """``points`` spendable now for ``partner`` in the class's program."""
        Entry = cls.env["loyalty.points.entry"]
        Entry._lock_balances(cls.program, partner)
        return Entry._write_entries(
            [
                {
                    "partner_id": partner.id,
                    "program_id": cls.program.id,
                    "company_id": cls.main_pos_config.company_id.id,
                    "kind": "adjust",
                    "points": points,
                    "reason": "Tour",
                }
            ]
        )
