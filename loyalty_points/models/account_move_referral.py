# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _loyalty_points_sync(self):
        """After the accrual, the referrer of a customer whose first ticket has just
        earned gets the referral points (see ``_grant_referrals``)."""
        invoices = self._loyalty_points_invoices().filtered(
            lambda m: m.commercial_partner_id.loyalty_points_referred_by_id
        )
        if not invoices:
            return super()._loyalty_points_sync()
        Entry = self.env["loyalty.points.entry"].sudo()
        domain = [("move_id", "in", invoices.ids), ("kind", "=", "earn")]
        before = Entry.search(domain)
        res = super()._loyalty_points_sync()
        Entry._grant_referrals(Entry.search(domain) - before)
        return res
