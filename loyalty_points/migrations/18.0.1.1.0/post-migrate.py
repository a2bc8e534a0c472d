# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The points journal becomes a bank journal (it was created as a cash journal):
to Odoo a cash journal's payments are cash (change, cash control) and a Point of
Sale method on one can serve one till only. Its accounts stay as they are."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    journals = (
        env["account.journal"]
        .with_context(active_test=False)
        .search([("loyalty_points_journal", "=", True), ("type", "=", "cash")])
    )
    journals.write({"type": "bank"})
    # The payment methods of a journal follow its type: points payments still
    # clear the receivable against the liability.
    for journal in journals:
        (
            journal.inbound_payment_method_line_ids
            | journal.outbound_payment_method_line_ids
        ).payment_account_id = journal.company_id.loyalty_points_liability_account_id
