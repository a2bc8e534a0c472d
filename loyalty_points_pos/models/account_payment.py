# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    def _loyalty_points_payments(self):
        """The payments that a session close writes for the Loyalty Points method
        book what the orders redeemed when they synced: they take no points
        again, nor give any back."""
        return (
            super()._loyalty_points_payments().filtered(lambda p: not p.pos_session_id)
        )
