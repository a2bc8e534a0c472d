# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models

DEMO_PORTAL_PARTNER = "base.partner_demo_portal"


class LoyaltyPointsProgram(models.Model):
    """Demo data of the portal (called from ``demo/loyalty_points_portal_demo.xml``),
    written the way the application writes it."""

    # One file per concern: the model is split by what each part does.
    _inherit = "loyalty.points.program"  # pylint: disable=consider-merging-classes-inherited

    def _demo_load_portal_customer(self):
        """Points for Odoo's demo portal customer (login ``portal``), so that
        ``/my`` and ``/my/points`` show what a customer of the clinic sees:
        tickets in both centres, a manager's anniversary gift, today's ticket
        still pending, and an unpaid invoice that the points cover, with its
        "Pay with points" button."""
        self.ensure_one()
        customer = self.env.ref(DEMO_PORTAL_PARTNER, raise_if_not_found=False)
        main = self.env.ref("base.main_company")
        if not customer or main not in self.company_ids or not main.chart_template:
            return  # no demo portal user, or nothing can be invoiced
        riverside = self.env.ref("loyalty_points.res_company_demo_riverside")
        if riverside not in self.company_ids.filtered("chart_template"):
            riverside = main
        ref = self.env.ref
        consultation = ref("loyalty_points.product_demo_consultation")
        vaccination = ref("loyalty_points.product_demo_vaccination")
        dental_kit = ref("loyalty_points.product_demo_dental_kit")
        nail_trim = ref("loyalty_points.product_demo_nail_trim")

        def day(days_ago):
            return self._demo_day(days_ago, hour=11)

        with day(150):
            self._demo_paid_invoice(
                main, customer, [(consultation, 1), (vaccination, 2)]
            )
        with day(40):
            self._demo_paid_invoice(
                riverside, customer, [(consultation, 1), (dental_kit, 1)]
            )
        with day(12):
            self._demo_adjust(
                main, customer, 1500, "Anniversary gift: five years with the clinic"
            )
        # Today, at the real time: a ticket whose points wait out the pending
        # period, and an invoice left to pay, which the points cover.
        self._demo_paid_invoice(main, customer, [(vaccination, 1)])
        self._demo_invoice(main, customer, [(nail_trim, 1)]).action_post()
