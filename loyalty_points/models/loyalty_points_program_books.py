# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL, float_is_zero, format_date

_logger = logging.getLogger(__name__)


BOOKS_LOCK_KEY = 0x4C505F424F4F  # "LP_BOO"


class LoyaltyPointsProgram(models.Model):
    """The program's books: what is not booked yet, the nightly booking of the
    ledger's movements, and the revaluation when the point value changes."""

    # One file per concern: the model is split by what each part does.
    _inherit = "loyalty.points.program"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ what to book
    @api.model
    def _books_unbooked_sql(self):
        """The ledger entries whose value is still to be booked: id, program,
        centre, date, kind, points, and the account group that books them:
        ``expense`` (earned, reversed, adjusted), ``breakage`` (expired) or
        ``reward`` (spent on a reward, or given back from one).

        What is linked to a payment is booked by the payment itself (the points
        journal's outstanding account is the liability): points payments, refunds
        paid in points, what a cancelled payment gives back. A deleted payment
        leaves its redemption and its give-back, which book as a pair that adds up
        to nothing. Each entry is booked once: the link table's unique index on
        ``entry_id`` guarantees it."""
        return SQL(
            """
            SELECT e.id, e.program_id, e.company_id, e.date, e.kind, e.points,
                   CASE WHEN 'expire' IN (e.kind, r.kind) THEN 'breakage'
                        WHEN 'redeem' IN (e.kind, r.kind) THEN 'reward'
                        ELSE 'expense' END AS books_group
              FROM loyalty_points_entry e
              LEFT JOIN loyalty_points_entry r ON r.id = e.reversed_entry_id
             WHERE e.payment_id IS NULL
               AND NOT EXISTS (
                    SELECT 1 FROM loyalty_points_entry_booked_rel b
                     WHERE b.entry_id = e.id
                   )
            """
        )

    def _books_value(self, points, company, day):
        """The value of ``points`` of this program in ``company``'s currency."""
        self.ensure_one()
        return self.currency_id._convert(
            points * self.point_value, company.currency_id, company, day
        )

    # ------------------------------------------------------------------ booking
    @api.model
    def _cron_book_points(self):
        """Nightly: book every movement up to yesterday included, so that each
        company gets one journal entry for each full day."""
        return self.browse()._book_points(date=fields.Date.today() - timedelta(days=1))

    def _book_points(self, date=None):
        """Book the value of the ledger movements not booked yet, dated up to
        ``date`` included (today by default, days in UTC), of the programs in
        ``self`` (of every program when empty) that book points.

        One journal entry per company and day sums the movements of that day:
        earned, reversed and adjusted points between the loyalty expense and the
        points liability, expired points between the liability and the breakage
        income. Each journal entry is linked to the entries it books. Set-based:
        one query finds and sums the movements; the ORM creates the few journal
        entries. Safe to run twice: a second run finds nothing left, and two runs
        at once cannot both book (the second one skips; the link table refuses a
        second booking anyway). Returns the journal entries created."""
        # sudo: booking is accounting housekeeping for all the companies of the
        # programs, run by the cron or on a point value change; the movements were
        # checked when they were written.
        programs = (
            (self or self.with_context(active_test=False).search([]))
            .sudo()
            .filtered("book_points")
        )
        Move = self.env["account.move"].sudo()
        if not programs:
            return Move
        until = fields.Date.to_date(date or fields.Date.today()) + timedelta(days=1)
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", BOOKS_LOCK_KEY))
        if not cr.fetchone()[0]:
            _logger.info("Loyalty points books: another run is in progress, skipped")
            return Move
        rows = self.env.execute_query(
            SQL(
                """
                SELECT e.company_id, e.date::date, e.program_id, e.books_group,
                       SUM(e.points), ARRAY_AGG(e.id ORDER BY e.id)
                  FROM (%(unbooked)s) e
                 WHERE e.program_id IN %(programs)s AND e.date < %(until)s
                 GROUP BY 1, 2, 3, 4
                 ORDER BY 1, 2, 3, 4
                """,
                unbooked=self._books_unbooked_sql(),
                programs=tuple(programs.ids),
                until=until,
            )
        )
        days = defaultdict(list)
        for company_id, day, program_id, group, points, entry_ids in rows:
            days[company_id, day].append((program_id, group, points, entry_ids))
        moves = Move
        # Movements of a day that add up to nothing ride along with another
        # journal entry of their company in this run (they change no balance).
        zero = defaultdict(list)
        for (company_id, day), parts in days.items():
            company = programs.env["res.company"].browse(company_id)
            if not company._loyalty_points_books_ready():
                _logger.warning(
                    "Loyalty points books: %s has no points accounts (no chart of "
                    "accounts?); its movements stay unbooked",
                    company.name,
                )
                continue
            lines, entry_ids = programs._books_day_lines(company, day, parts)
            if not lines:
                zero[company].extend(entry_ids)
                continue
            moves |= self._books_create_move(
                company,
                day,
                _("Loyalty points of %(day)s", day=format_date(self.env, day)),
                lines,
                entry_ids,
            )
        for company, entry_ids in zero.items():
            move = moves.filtered(lambda m, c=company: m.company_id == c)[-1:]
            if move:
                move._loyalty_points_books_link(entry_ids)
        _logger.info("Loyalty points books: %s journal entries", len(moves))
        return moves

    def _books_day_lines(self, company, day, parts):
        """(line values, entry ids) of one company's day: ``parts`` are
        (program id, account group, points, entry ids)."""
        lines = []
        entry_ids = []
        several = len({part[0] for part in parts}) > 1
        labels = {
            "expense": _("Loyalty points earned, reversed and adjusted"),
            "breakage": _("Loyalty points expired (breakage)"),
            "reward": _("Loyalty points spent on rewards"),
        }
        for program_id, group, points, ids in parts:
            program = self.browse(program_id)
            entry_ids += ids
            value = program._books_value(float(points), company, day)
            if company.currency_id.is_zero(value):
                continue
            # Points that expire or pay for a reward leave the liability as income.
            account = (
                company.loyalty_points_expense_account_id
                if group == "expense"
                else company.loyalty_points_income_account_id
            )
            label = labels[group]
            if several:
                label = f"{label} ({program.name})"
            lines += company._loyalty_points_books_line_vals(value, account, label)
        return lines, entry_ids

    @api.model
    def _books_create_move(self, company, day, ref, lines, entry_ids=()):
        """Create and post one journal entry of ``company`` in its loyalty books
        journal, linked to ``entry_ids``."""
        journal = company._loyalty_points_books_journal()
        # sudo: the books are written for the company by the program (see
        # _book_points), not by the user whose action triggered them.
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "company_id": company.id,
                    "date": company._loyalty_points_books_date(day, journal),
                    "ref": ref,
                    "line_ids": [fields.Command.create(vals) for vals in lines],
                }
            )
        )
        move._loyalty_points_books_link(entry_ids)
        move.action_post()
        return move

    # ------------------------------------------------------------------ revaluation
    def _books_outstanding(self):
        """{company: booked outstanding points} of the program: the sum of its
        entries in each company, less what is not booked yet (booked later at the
        value of the day)."""
        self.ensure_one()
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT e.company_id,
                       SUM(e.points) - COALESCE(SUM(u.points), 0)
                  FROM loyalty_points_entry e
                  LEFT JOIN (%(unbooked)s) u ON u.id = e.id
                 WHERE e.program_id = %(program)s
                 GROUP BY e.company_id
                """,
                unbooked=self._books_unbooked_sql(),
                program=self.id,
            )
        )
        Company = self.env["res.company"]
        return {
            Company.browse(company_id): float(points) for company_id, points in rows
        }

    def write(self, vals):
        revalue = {}
        if "point_value" in vals:
            # sudo: a loyalty manager changes the point value; the revaluation
            # it books is the program's accounting (see _book_points).
            for program in self.sudo().filtered("book_points"):
                if program.currency_id.compare_amounts(
                    program.point_value, vals["point_value"]
                ):
                    # What was earned before the change is booked at the old value
                    # first, then every outstanding point is revalued.
                    program._book_points()
                    revalue[program] = (
                        program.point_value,
                        program._books_outstanding(),
                    )
        res = super().write(vals)
        for program, (old_value, outstanding) in revalue.items():
            if program.book_points:
                program._books_revalue(old_value, outstanding)
        return res

    def _books_revalue(self, old_value, outstanding):
        """Book the change of point value from ``old_value`` on the
        ``outstanding`` points of each company ({company: points}): one journal
        entry per company, expense against liability (negative when the value
        drops)."""
        self.ensure_one()
        today = fields.Date.today()
        moves = self.env["account.move"].sudo()  # see write()
        label = _(
            "Loyalty points revaluation: %(program)s, point value %(old)s to %(new)s",
            program=self.name,
            old=old_value,
            new=self.point_value,
        )
        for company, points in outstanding.items():
            if float_is_zero(points, precision_digits=4):
                continue
            if not company._loyalty_points_books_ready():
                continue
            value = self.currency_id._convert(
                (self.point_value - old_value) * points,
                company.currency_id,
                company,
                today,
            )
            if company.currency_id.is_zero(value):
                continue
            lines = company._loyalty_points_books_line_vals(
                value, company.loyalty_points_expense_account_id, label
            )
            moves |= self._books_create_move(company, today, label, lines)
        return moves
