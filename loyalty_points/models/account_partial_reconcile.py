# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    def unlink(self):
        # Unreconciling a payment or a credit note changes what the invoices earn.
        moves = (self.debit_move_id | self.credit_move_id).move_id
        res = super().unlink()
        moves = moves.exists()
        moves._loyalty_points_sync()
        self.env["account.payment"]._loyalty_points_unreconciled(
            moves.origin_payment_id
        )
        return res
