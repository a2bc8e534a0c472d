# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestMenuTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A company takes part in one active program: the demo program, if any,
        # makes room for the tours' own.
        cls.env["loyalty.points.program"].search([]).active = False
        cls.program = cls.env["loyalty.points.program"].create(
            {"name": "Tour Club", "state": "on"}
        )

    def _customer_with(self, name, points, reason):
        """A new customer holding ``points`` (an adjustment)."""
        customer = self.env["res.partner"].create({"name": name, "customer_rank": 1})
        Entry = self.env["loyalty.points.entry"]
        Entry._lock_balances(self.program, customer)
        Entry._write_entries(
            [
                {
                    "partner_id": customer.id,
                    "program_id": self.program.id,
                    "kind": "adjust",
                    "points": points,
                    "reason": reason,
                }
            ]
        )
        return customer

    def test_menu_tour(self):
        """In Chromium, Invoicing > Configuration > Loyalty Programs opens cleanly."""
        self.start_tour("/odoo", "loyalty_points_menu_tour", login="admin")

    def test_partner_tour(self):
        """In Chromium, a customer's form shows its points on a smart button that
        opens its ledger; whole points read "120", not "120.00", on the form, in
        the ledger and in the ledger's total (the loyalty_points widget)."""
        self._customer_with("Tour Customer", 120, "Welcome gift")
        self.start_tour("/odoo", "loyalty_points_partner_tour", login="admin")

    def test_fraction_tour(self):
        """In Chromium, points with a fraction keep the points precision ("12.50")
        and whole ones drop it, on the form, in the grant wizard (where 2.5 can be
        typed) and in the ledger's total."""
        self.program.points_rounding = 0.01
        self._customer_with("Fraction Customer", 12.5, "Half a gift")
        self.start_tour("/odoo", "loyalty_points_fraction_tour", login="admin")
