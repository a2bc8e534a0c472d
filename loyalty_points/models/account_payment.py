# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, clean_context, float_is_zero, format_amount

ACTIVE_STATES = ("in_process", "paid")


PAYMENT_TEMPLATE = "loyalty_points.mail_template_loyalty_points_payment"


class AccountPayment(models.Model):
    _inherit = "account.payment"

    loyalty_points_entry_ids = fields.One2many(
        "loyalty.points.entry",
        "payment_id",
        string="Loyalty Points Entries",
        readonly=True,
    )

    # ------------------------------------------------------------------ hooks
    def action_post(self):
        self._loyalty_points_check()
        res = super().action_post()
        self._loyalty_points_sync()
        return res

    def action_draft(self):
        res = super().action_draft()
        self._loyalty_points_sync()
        return res

    def action_cancel(self):
        res = super().action_cancel()
        self._loyalty_points_sync()
        return res

    def unlink(self):
        # Deleting a points payment gives its points back first; its entries keep
        # its name in ``origin``.
        points = self._loyalty_points_payments()
        points.with_context(loyalty_points_deleting=True)._loyalty_points_sync()
        return super().unlink()

    # ------------------------------------------------------------------ rules
    def _loyalty_points_payments(self):
        """The payments that pay (or refund) with points and whose points these
        hooks take and give back. An extension point: a channel that takes the
        points itself (the Point of Sale, at the order's sync) leaves its own
        payments out."""
        return self.filtered(lambda p: p.journal_id.loyalty_points_journal)

    def _loyalty_points_check(self):
        """Refuse what paying with points cannot be: vendor payments and amounts of
        zero or less. The balance and program rules are checked when the points
        are taken (``loyalty.points.program._redeem``)."""
        for payment in self._loyalty_points_payments():
            if payment.partner_type != "customer" or not payment.partner_id:
                raise UserError(
                    _(
                        "Points pay customer invoices only; vendor bills and supplier "
                        "payments cannot use the %(journal)s journal.",
                        journal=payment.journal_id.name,
                    )
                )
            if payment.currency_id.compare_amounts(payment.amount, 0.0) <= 0:
                raise UserError(
                    _("The amount to pay with points must be greater than zero.")
                )

    def _loyalty_points_program(self):
        return self.env["loyalty.points.program"]._program_for_company(self.company_id)

    def _loyalty_points_amount(self, program):
        """The payment's amount in the program's currency; an invoice in another
        currency converts at the invoice's rate."""
        amount = self.amount
        invoices = self.env["account.move"].browse(
            self.env.context.get("loyalty_points_invoice_ids", [])
        ) or (self.reconciled_invoice_ids | self.invoice_ids)
        if self.currency_id != self.company_id.currency_id:
            invoice = invoices.filtered(lambda m: m.currency_id == self.currency_id)[:1]
            if invoice and invoice.invoice_currency_rate:
                amount = amount / invoice.invoice_currency_rate
            else:
                amount = self.currency_id._convert(
                    amount, self.company_id.currency_id, self.company_id, self.date
                )
        return self.company_id.currency_id._convert(
            amount,
            program.currency_id,
            self.company_id,
            self.date or fields.Date.today(),
        )

    # ------------------------------------------------------------------ ledger
    def _loyalty_points_sync(self):
        """Make each points payment's entries match its state: a posted customer
        payment has taken its points (a refund paid out in points has given them);
        a draft, cancelled or deleted one has given them back."""
        deleting = self.env.context.get("loyalty_points_deleting")
        for payment in self._loyalty_points_payments():
            # sudo: the payment's own entries, whether or not the user may read
            # the ledger.
            entries = payment.sudo().loyalty_points_entry_ids
            active = (
                not deleting
                and payment.state in ACTIVE_STATES
                and payment.move_id.state == "posted"
            )
            net = sum(entries.mapped("points"))
            if active and float_is_zero(net, precision_digits=4):
                payment._loyalty_points_take()
            elif not active and not float_is_zero(net, precision_digits=4):
                payment._loyalty_points_return(entries)

    def _loyalty_points_take(self):
        program = self._loyalty_points_program()
        if not program:
            raise UserError(
                _(
                    "No loyalty program covers %(company)s: its customers have no "
                    "points to pay with.",
                    company=self.company_id.name,
                )
            )
        invoices = self.env["account.move"].browse(
            self.env.context.get("loyalty_points_invoice_ids", [])
        ) or (self.reconciled_invoice_ids | self.invoice_ids)
        vals = {
            "company_id": self.company_id.id,
            "payment_id": self.id,
            "origin": self.name,
            "move_id": invoices[:1].id if len(invoices) == 1 else False,
        }
        amount = self._loyalty_points_amount(program)
        if self.payment_type == "inbound":
            program._redeem(
                self.partner_id,
                amount,
                # Staff pay in the backend; the portal says it is the customer.
                channel=self.env.context.get("loyalty_points_channel", "backend"),
                reason=_(
                    "Paid %(invoices)s", invoices=", ".join(invoices.mapped("name"))
                )
                if invoices
                else _("Payment with points"),
                **vals,
            )
        else:
            # A refund paid out in points returns points instead of money.
            Entry = self.env["loyalty.points.entry"]
            Entry._lock_balances(program, self.partner_id.commercial_partner_id)
            Entry._write_entries(
                [
                    {
                        "partner_id": self.partner_id.id,
                        "program_id": program.id,
                        "kind": "refund",
                        "points": program._points_for_amount(amount),
                        "amount_basis": amount,
                        "reason": _("Refund paid in points"),
                        **vals,
                    }
                ]
            )
        self._loyalty_points_send_mail()

    def _loyalty_points_return(self, entries):
        program = entries.program_id[:1]
        reason = _("Payment %(payment)s cancelled", payment=self.name)
        redeemed = entries.filtered(lambda e: e.kind == "redeem")
        if redeemed:
            program._give_back(
                redeemed, reason=reason, payment_id=self.id, origin=self.name
            )
        # Points a refund gave, not yet taken back.
        refunds = entries.filtered(lambda e: e.kind == "refund") - (
            entries.reversed_entry_id
        )
        if refunds:
            Entry = self.env["loyalty.points.entry"]
            Entry._lock_balances(program, self.partner_id.commercial_partner_id)
            Entry._write_entries(
                [
                    {
                        "partner_id": entry.partner_id.id,
                        "program_id": entry.program_id.id,
                        "company_id": entry.company_id.id,
                        "kind": "reverse",
                        "points": -entry.points,
                        "amount_basis": -entry.amount_basis,
                        "reversed_entry_id": entry.id,
                        "payment_id": self.id,
                        "origin": self.name,
                        "reason": reason,
                        "_from_lot_ids": entry.ids,
                    }
                    for entry in refunds
                ]
            )

    def _loyalty_points_reconciled(self):
        """Whether the payment's receivable is matched with anything (its
        ``reconciled_invoice_ids`` always lists the invoices it was made for)."""
        lines = self.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        return bool(lines.matched_debit_ids or lines.matched_credit_ids)

    @api.model
    def _loyalty_points_unreconciled(self, payments):
        """A points payment taken off its invoice is cancelled: the points go back
        and the liability with them."""
        for payment in payments._loyalty_points_payments().filtered(
            lambda p: p.state in ACTIVE_STATES
            and p.payment_type == "inbound"
            and not p._loyalty_points_reconciled()
        ):
            payment.message_post(
                body=_("Taken off its invoice: the points payment is cancelled.")
            )
            payment.action_draft()
            payment.action_cancel()

    def _loyalty_points_send_mail(self):
        """E-mail the customer the points this payment used (or, for a refund paid
        in points, gave) and the balance left, when the company asks for it. Not
        while the program is in test: customers see nothing of it yet. Customers
        without an e-mail address are skipped."""
        if not any(self.company_id.mapped("loyalty_points_mail_after_payment")):
            return
        template = self.env.ref(PAYMENT_TEMPLATE, raise_if_not_found=False)
        if not template:
            return
        # The register-payment wizard's context (defaults, active invoices) must
        # not leak into the composer: the context is replaced, not updated.
        context = {
            key: value
            for key, value in clean_context(self.env.context).items()
            if key not in ("active_model", "active_id", "active_ids")
        }
        payments = self.with_context(context)  # pylint: disable=context-overridden
        for payment in payments:
            if not payment.company_id.loyalty_points_mail_after_payment:
                continue
            values = payment._loyalty_points_mail_values()
            if not values or values["program"].state != "on":
                continue
            if not payment.partner_id.email:
                continue
            payment.message_post_with_source(
                template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
            )

    def _loyalty_points_mail_values(self):
        """What the payment e-mail prints: the points of the payment's last taking
        (``points``: used by a payment, given by a refund; positive) and the
        customer's balance just after it, from the ledger, so that the e-mail says
        the same whenever it is rendered. Empty when the payment took nothing."""
        self.ensure_one()
        self.env["loyalty.points.entry"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT last.id, last.points,
                       (SELECT SUM(e.points) FROM loyalty_points_entry e
                         WHERE e.partner_id = last.partner_id
                           AND e.program_id = last.program_id
                           AND e.id <= last.id)
                  FROM (SELECT id, partner_id, program_id, points
                          FROM loyalty_points_entry
                         WHERE payment_id = %s AND kind IN ('redeem', 'refund')
                         ORDER BY id DESC LIMIT 1) last
                """,
                self.id,
            )
        )
        if not rows:
            return {}
        entry_id, points, balance = rows[0]
        # sudo: the user posting the payment may see no points ledger; only the
        # program of this payment's own entry is read.
        entry = self.env["loyalty.points.entry"].sudo().browse(entry_id)
        program = entry.program_id
        Partner = self.env["res.partner"]
        points, balance = abs(float(points)), float(balance)
        value = max(balance, 0.0) * program.point_value
        return {
            "program": program,
            "points": points,
            "balance": balance,
            "value": value,
            "points_text": Partner._loyalty_points_format(points),
            "balance_text": Partner._loyalty_points_format(balance),
            "value_text": format_amount(self.env, value, program.currency_id),
        }
