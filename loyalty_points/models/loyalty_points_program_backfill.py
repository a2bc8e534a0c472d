# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools import SQL, split_every

BACKFILL_BATCH = 200


class LoyaltyPointsProgram(models.Model):
    """Awarding the points that paid invoices are missing (paid while the program
    was off, before it was installed): by hand from the wizard, and nightly."""

    # One file per concern: the model is split by what each part does.
    _inherit = "loyalty.points.program"  # pylint: disable=consider-merging-classes-inherited

    def _backfill_candidate_ids(self):
        """Ids of the paid customer invoices of the programs' companies, dated from
        the program's start date, that have no ledger entry at all: one query."""
        self.env.flush_all()
        company_ids = self._fields["company_ids"]
        rows = self.env.execute_query(
            SQL(
                """
                SELECT m.id
                  FROM account_move m
                 WHERE m.move_type = 'out_invoice'
                   AND m.state = 'posted'
                   AND m.payment_state IN ('paid', 'in_payment')
                   AND EXISTS (
                       SELECT 1
                         FROM %(rel)s rel
                         JOIN loyalty_points_program p ON p.id = rel.%(program)s
                        WHERE rel.%(company)s = m.company_id
                          AND p.id IN %(programs)s
                          AND m.invoice_date >= p.date_start)
                   AND NOT EXISTS (
                       SELECT 1 FROM loyalty_points_entry e WHERE e.move_id = m.id)
                 ORDER BY m.invoice_date, m.id
                """,
                rel=SQL.identifier(company_ids.relation),
                program=SQL.identifier(company_ids.column1),
                company=SQL.identifier(company_ids.column2),
                programs=tuple(self.ids),
            )
        )
        return [row[0] for row in rows]

    def _backfill_invoices(self):
        """Award the points of the paid invoices that earned none, e.g. those paid
        while the program was off, and return (invoices that earned, points).

        Safe to run any number of times: an invoice that has an entry is no longer
        a candidate, ``_loyalty_points_sync`` writes only what is missing, and the
        unique index on (program, invoice, cycle) refuses a second earning."""
        programs = self.filtered(lambda p: p.active and p.state != "off")
        if not programs:
            return 0, 0.0
        invoice_count, points = 0, 0.0
        Move = self.env["account.move"]
        for batch in split_every(BACKFILL_BATCH, programs._backfill_candidate_ids()):
            Move.browse(batch)._loyalty_points_sync()
            self.env.flush_all()
            count, total = self.env.execute_query(
                SQL(
                    """SELECT COUNT(DISTINCT move_id), COALESCE(SUM(points), 0)
                         FROM loyalty_points_entry WHERE move_id IN %s""",
                    tuple(batch),
                )
            )[0]
            invoice_count += count
            points += float(total)
            # A long backfill should not keep every invoice of it in the cache.
            self.env.invalidate_all()
        return invoice_count, points

    def _backfill_check(self):
        """Refuse programs that cannot earn, saying what to do."""
        if not self:
            raise UserError(_("Choose at least one program whose points to process."))
        idle = self.filtered(lambda p: not p.active or p.state == "off")
        if idle:
            raise UserError(
                _(
                    "%(programs)s earns no points while it is off or archived: set it "
                    "to Test or On first, then process its invoices.",
                    programs=", ".join(idle.mapped("name")),
                )
            )

    @api.model
    def _cron_backfill_invoices(self):
        """Nightly: award the points that paid invoices are missing, for every active
        program that accrues (test or on)."""
        programs = self.search([("state", "in", ("test", "on"))])
        return programs._backfill_invoices()
