# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The points journal becomes a bank journal (it was created as a cash journal):
to Odoo a cash journal's payments are cash (change, cash control) and a Point of
Sale method on one can serve one till only.

In SQL: the journal keeps its payment methods and their accounts (points
payments clear the receivable against the liability), which the ORM would
recompute for the new type."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """UPDATE account_journal SET type = 'bank'
            WHERE loyalty_points_journal AND type = 'cash'"""
    )
