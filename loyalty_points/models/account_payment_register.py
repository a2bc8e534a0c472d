# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, models
from odoo.exceptions import UserError


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    def _create_payments(self):
        if not self.journal_id.loyalty_points_journal:
            return super()._create_payments()
        moves = self.line_ids.move_id
        if moves.filtered(
            lambda m: m.move_type not in ("out_invoice", "out_refund", "out_receipt")
        ):
            raise UserError(
                _(
                    "Points pay customer invoices only: %(moves)s cannot be paid with "
                    "points.",
                    moves=", ".join(moves.mapped("display_name")),
                )
            )
        if self.currency_id.compare_amounts(self.amount, 0.0) <= 0:
            raise UserError(
                _("The amount to pay with points must be greater than zero.")
            )
        due = abs(sum(self.line_ids.mapped("amount_residual_currency")))
        if self.currency_id.compare_amounts(self.amount, due) > 0:
            raise UserError(
                _(
                    "%(amount)s is more than the %(due)s due: points can pay at most "
                    "what is due.",
                    amount=self.currency_id.format(self.amount),
                    due=self.currency_id.format(due),
                )
            )
        # The points are taken when the payment is posted, at the invoice's rate.
        return super(
            AccountPaymentRegister,
            self.with_context(loyalty_points_invoice_ids=moves.ids),
        )._create_payments()
