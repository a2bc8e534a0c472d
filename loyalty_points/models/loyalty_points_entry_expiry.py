# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from psycopg2.extensions import TransactionRollbackError

from odoo import _, api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Key of the transaction-level advisory lock that one expiry run holds at a time.
EXPIRY_LOCK_KEY = 0x4C505F455850  # "LP_EXP"


class LoyaltyPointsEntry(models.Model):
    _inherit = "loyalty.points.entry"

    @api.model
    def _expirable_lots_sql(self, today):
        """The lots past their expiry date (``expiry_date < today``) with points left
        and no ``expire`` entry yet: id, customer, program, centre, remaining."""
        return SQL(
            """
            SELECT e.id, e.partner_id, e.program_id, e.company_id,
                   e.points - COALESCE(taken.points, 0) AS remaining
              FROM loyalty_points_entry e
              LEFT JOIN LATERAL (
                    SELECT SUM(a.points) AS points
                      FROM loyalty_points_allocation a
                     WHERE a.lot_id = e.id
                   ) taken ON TRUE
             WHERE e.points > 0
               AND e.expiry_date < %(today)s
               AND e.points - COALESCE(taken.points, 0) > 0
               AND NOT EXISTS (
                    SELECT 1 FROM loyalty_points_entry x WHERE x.expired_lot_id = e.id
                   )
            """,
            today=today,
        )

    @api.model
    def _cron_expire_points(self, today=None):
        """Write an ``expire`` entry for what is left of every lot whose expiry date
        is before ``today``, for all customers in one pass; return how many lots
        expired.

        Set-based: two statements whatever the number of lots. Idempotent: a lot
        already expired has nothing left and its ``expire`` entry is unique
        (``loyalty_points_entry_expired_lot_uniq``). Safe when two runs overlap:
        a run that finds another one in progress returns 0 at once, and a run whose
        snapshot predates writes committed meanwhile (another run, a reversal)
        stops on the serialization error instead of expiring stale remainders;
        the next run expires what is left."""
        today = today or fields.Date.context_today(self)
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", EXPIRY_LOCK_KEY))
        if not cr.fetchone()[0]:
            _logger.info("Loyalty points expiry: another run is in progress, skipped")
            return 0
        now = fields.Datetime.now()
        lots = self._expirable_lots_sql(today)
        try:
            with cr.savepoint(flush=False):
                # Same lock as every ledger writer (_lock_balances), for the
                # customers whose lots expire: nobody spends from them meanwhile.
                cr.execute(
                    SQL(
                        """
                        WITH lots AS (%(lots)s)
                        SELECT 1 FROM loyalty_points_balance b
                         WHERE (b.program_id, b.partner_id) IN (
                                SELECT program_id, partner_id FROM lots)
                         ORDER BY b.program_id, b.partner_id
                           FOR NO KEY UPDATE OF b
                        """,
                        lots=lots,
                    ),
                    log_exceptions=False,
                )
                # The balance trigger (per statement) updates the balances.
                cr.execute(
                    SQL(
                        """
                        WITH lots AS (%(lots)s),
                        expired AS (
                            INSERT INTO loyalty_points_entry
                                   (partner_id, program_id, company_id, date, points,
                                    kind, expired_lot_id, reason, user_id,
                                    create_uid, create_date, write_uid, write_date)
                            SELECT partner_id, program_id, company_id, %(now)s,
                                   -remaining, 'expire', id, %(reason)s, %(uid)s,
                                   %(uid)s, %(now)s, %(uid)s, %(now)s
                              FROM lots
                             ORDER BY id
                            ON CONFLICT (expired_lot_id)
                               WHERE expired_lot_id IS NOT NULL
                               DO NOTHING
                            RETURNING id, expired_lot_id, points
                        )
                        INSERT INTO loyalty_points_allocation
                               (consumer_id, lot_id, points,
                                create_uid, create_date, write_uid, write_date)
                        SELECT id, expired_lot_id, -points,
                               %(uid)s, %(now)s, %(uid)s, %(now)s
                          FROM expired
                        """,
                        lots=lots,
                        now=now,
                        reason=_("Points left in the lot on its expiry date"),
                        uid=self.env.uid,
                    ),
                    log_exceptions=False,
                )
                count = cr.rowcount
        except TransactionRollbackError as error:
            _logger.info(
                "Loyalty points expiry: the ledger changed since this transaction "
                "started (%s); the next run expires what is left",
                error.pgcode,
            )
            count = 0
        self.env.invalidate_all()
        _logger.info("Loyalty points expiry: %s lots expired", count)
        return count
