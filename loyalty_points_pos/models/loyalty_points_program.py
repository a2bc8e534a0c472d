# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.tools import SQL


class LoyaltyPointsProgram(models.Model):
    _inherit = "loyalty.points.program"

    @api.model
    def _books_unbooked_sql(self):
        """Points paid at the counter are booked by the session close (its payment
        of the Loyalty Points method debits the liability): never by the
        nightly books."""
        return SQL(
            """SELECT u.* FROM (%s) u
                WHERE NOT EXISTS (
                      SELECT 1 FROM loyalty_points_entry p
                       WHERE p.id = u.id AND p.pos_payment_id IS NOT NULL)""",
            super()._books_unbooked_sql(),
        )

    def _backfill_candidate_ids(self):
        """Invoices of Point of Sale orders earn as orders, never by the backfill."""
        ids = super()._backfill_candidate_ids()
        if not ids:
            return ids
        rows = self.env.execute_query(
            SQL(
                """SELECT DISTINCT account_move FROM pos_order
                    WHERE account_move = ANY(%s)""",
                ids,
            )
        )
        pos = {row[0] for row in rows}
        return [move_id for move_id in ids if move_id not in pos]
