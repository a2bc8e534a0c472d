# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _loyalty_points_invoices(self):
        """An invoiced Point of Sale order earns once, as an order: its invoice
        (and the invoice of its refund) earns nothing more."""
        # sudo: which orders an invoice comes from, whatever the user may read.
        return (
            super()
            ._loyalty_points_invoices()
            .filtered(lambda move: not move.sudo().pos_order_ids)
        )
