# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models
from odoo.tools import SQL, clean_context, format_amount

PAYMENT_TEMPLATE = "loyalty_points.mail_template_loyalty_points_payment"


# A file of its own so that telling the customer (here) and taking the points
# (account_payment.py) can be changed independently.
class AccountPayment(models.Model):
    _inherit = "account.payment"  # pylint: disable=consider-merging-classes-inherited

    def _loyalty_points_take(self):
        res = super()._loyalty_points_take()
        self._loyalty_points_send_mail()
        return res

    def _loyalty_points_send_mail(self):
        """E-mail the customer the points this payment used (or, for a refund paid
        in points, gave) and the balance left, when the company asks for it. Not
        while the program is in test: customers see nothing of it yet. Customers
        without an e-mail address are skipped."""
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
                         WHERE payment_id = %s AND reversed_entry_id IS NULL
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
