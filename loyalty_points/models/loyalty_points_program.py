# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import math
from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import Command, _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.tools import (
    SQL,
    float_compare,
    float_is_zero,
    float_round,
    format_amount,
    format_date,
    split_every,
)

_logger = logging.getLogger(__name__)


BOOKS_LOCK_KEY = 0x4C505F424F4F  # "LP_BOO"


BACKFILL_BATCH = 200


# The fields that decide which program covers a company (_program_for_company).
PROGRAM_LOOKUP_FIELDS = {"company_ids", "active", "sequence"}


class LoyaltyPointsProgram(models.Model):
    _name = "loyalty.points.program"
    _description = "Loyalty Points Program"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    state = fields.Selection(
        [("off", "Off"), ("test", "Test"), ("on", "On")],
        string="Status",
        default="off",
        required=True,
        tracking=True,
        help="Off: nothing accrues. Test: points accrue and staff see them, "
        "customers see nothing and cannot redeem. On: everything.",
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.company,
        help="The centres of the program: points earned in any of them can be "
        "spent in all of them.",
    )
    date_start = fields.Date(
        string="Start Date",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Sales before this date never earn points.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )

    # Earning
    rate_type = fields.Selection(
        [
            ("per_currency", "Points per amount spent"),
            ("per_step", "Points per step of spending"),
            ("percentage", "Percentage back"),
        ],
        string="Earning Rate",
        default="per_currency",
        required=True,
        tracking=True,
        help="Points per amount spent: e.g. 2 points per 1.00. "
        "Points per step: e.g. 1 point per 10.00, the remainder earns nothing. "
        "Percentage back: e.g. 5 % of the amount, converted at the point value.",
    )
    rate = fields.Float(
        string="Points per 1.00",
        default=1.0,
        digits=(16, 4),
        tracking=True,
    )
    step_amount = fields.Monetary(
        string="Step",
        default=10.0,
        tracking=True,
        help="Spending needed for one step.",
    )
    step_points = fields.Float(
        string="Points per Step",
        default=1.0,
        digits="Loyalty Points",
        tracking=True,
    )
    percentage = fields.Float(
        string="Percentage Back",
        default=5.0,
        digits=(16, 4),
        tracking=True,
    )
    multiplier = fields.Float(
        default=1.0,
        digits=(16, 4),
        tracking=True,
        help="Applied on top of the rate, e.g. 2 during a double-points promotion.",
    )
    mode = fields.Selection(
        [("transaction", "Per transaction"), ("cumulative", "Cumulative spend")],
        default="transaction",
        required=True,
        tracking=True,
        help="Per transaction: each ticket earns on its own and its remainder is "
        "lost. Cumulative spend: the customer's spend adds up and each ticket earns "
        "what the new total gives minus what was already awarded.",
    )
    min_amount = fields.Monetary(
        string="Minimum Ticket Amount",
        tracking=True,
        help="Tickets below this amount earn nothing.",
    )
    amount_basis = fields.Selection(
        [("untaxed", "Untaxed amount"), ("taxed", "Tax included")],
        string="Earn On",
        default="untaxed",
        required=True,
        tracking=True,
        help="Points are always computed on the discounted amount of each line.",
    )
    points_rounding = fields.Float(
        default=1.0,
        digits="Loyalty Points",
        help="1 awards whole points; 0.01 awards hundredths.",
    )
    rounding_method = fields.Selection(
        [("DOWN", "Down"), ("HALF-UP", "Nearest"), ("UP", "Up")],
        default="DOWN",
        required=True,
    )
    enrolled_only = fields.Boolean(
        string="Only Enrolled Customers Earn",
        tracking=True,
        help="When set, only customers marked as enrolled earn points.",
    )

    # Holding and spending
    point_value = fields.Monetary(
        default=0.01,
        currency_field="currency_id",
        tracking=True,
        help="What one point is worth when it pays for a purchase.",
    )
    pending_hours = fields.Integer(
        default=0,
        tracking=True,
        help="Hours before earned points can be spent (e.g. 24 against fraud).",
    )
    expiry_days = fields.Integer(
        default=365,
        tracking=True,
        help="Days after which earned points expire; 0 means they never expire.",
    )

    min_redemption = fields.Monetary(
        string="Minimum Redemption",
        default=1.0,
        tracking=True,
        help="The smallest amount that can be paid with points; 0 pauses all "
        "redemptions.",
    )
    points_paid_earning = fields.Selection(
        [
            ("none", "The ticket earns nothing"),
            ("share", "Only the share paid with points earns nothing"),
        ],
        string="Tickets Paid With Points",
        default="none",
        required=True,
        tracking=True,
    )
    book_points = fields.Boolean(
        string="Book in Accounting",
        default=True,
        tracking=True,
        help="Book the value of earned points as an expense against a liability, "
        "release it when points are spent, and book expired points as breakage "
        "income.",
    )

    referral_points = fields.Float(
        digits="Loyalty Points",
        default=0.0,
        tracking=True,
        help="Points a customer earns when a customer they referred pays a first "
        "ticket that earns points; once per referred customer. 0: referrals earn "
        "nothing.",
    )

    _sql_constraints = [
        ("rate_positive", "CHECK(rate > 0)", "The points per 1.00 must be positive."),
        ("step_positive", "CHECK(step_amount > 0)", "The step must be positive."),
        (
            "step_points_positive",
            "CHECK(step_points > 0)",
            "The points per step must be positive.",
        ),
        (
            "percentage_positive",
            "CHECK(percentage > 0)",
            "The percentage back must be positive.",
        ),
        (
            "multiplier_positive",
            "CHECK(multiplier > 0)",
            "The multiplier must be positive.",
        ),
        (
            "point_value_positive",
            "CHECK(point_value > 0)",
            "The point value must be positive.",
        ),
        (
            "min_amount_positive",
            "CHECK(min_amount >= 0)",
            "The minimum cannot be negative.",
        ),
        (
            "min_redemption_positive",
            "CHECK(min_redemption >= 0)",
            "The minimum redemption cannot be negative.",
        ),
        (
            "pending_positive",
            "CHECK(pending_hours >= 0)",
            "Pending hours cannot be negative.",
        ),
        (
            "expiry_positive",
            "CHECK(expiry_days >= 0)",
            "Expiry days cannot be negative.",
        ),
        (
            "rounding_positive",
            "CHECK(points_rounding > 0)",
            "The points rounding must be positive.",
        ),
        (
            "referral_points_positive",
            "CHECK(referral_points >= 0)",
            "The referral points cannot be negative.",
        ),
    ]

    @api.constrains(
        "rate",
        "step_amount",
        "step_points",
        "percentage",
        "multiplier",
        "point_value",
        "min_amount",
        "min_redemption",
        "pending_hours",
        "expiry_days",
        "points_rounding",
    )
    def _check_numbers(self):
        """Say which setting is wrong before the database refuses it."""
        checks = [
            ("rate", _("The points per 1.00 must be greater than zero.")),
            ("step_amount", _("The spending step must be greater than zero.")),
            ("step_points", _("The points per step must be greater than zero.")),
            ("percentage", _("The percentage back must be greater than zero.")),
            ("multiplier", _("The multiplier must be greater than zero.")),
            ("point_value", _("The point value must be greater than zero.")),
            ("points_rounding", _("The points rounding must be greater than zero.")),
        ]
        for program in self:
            for field, message in checks:
                if program[field] <= 0:
                    raise ValidationError(
                        _(
                            "%(program)s: %(message)s",
                            program=program.name,
                            message=message,
                        )
                    )
            if program.min_redemption < 0:
                raise ValidationError(
                    _(
                        "%(program)s: the minimum redemption cannot be negative; use 0 "
                        "to pause redemptions.",
                        program=program.name,
                    )
                )
            if program.min_amount < 0:
                raise ValidationError(
                    _(
                        "%(program)s: the minimum ticket amount cannot be negative.",
                        program=program.name,
                    )
                )
            if program.pending_hours < 0 or program.expiry_days < 0:
                raise ValidationError(
                    _(
                        "%(program)s: pending hours and expiry days cannot be "
                        "negative; "
                        "use 0 for no pending period or no expiry.",
                        program=program.name,
                    )
                )

    @api.constrains("company_ids", "active")
    def _check_one_program_per_company(self):
        for program in self.filtered("active"):
            clash = self.search(
                [
                    ("id", "!=", program.id),
                    ("company_ids", "in", program.company_ids.ids),
                ],
                limit=1,
            )
            if clash:
                raise ValidationError(
                    _(
                        "%(company)s is already covered by the program %(other)s: a "
                        "company takes part in one active program. Archive one of "
                        "them or remove the company from it.",
                        company=", ".join(
                            (clash.company_ids & program.company_ids).mapped("name")
                        ),
                        other=clash.name,
                    )
                )

    # ------------------------------------------------------------------ lookups
    @api.model
    def _program_for_company(self, company=None):
        """The active program covering ``company`` (the current company by default).

        Asked on every invoice paid and every balance shown, and changed only when
        a program is created, archived, deleted or given other companies: the id is
        kept in the registry's cache, which those changes clear in every worker."""
        company = company or self.env.company
        return self.sudo().browse(self._program_id_for_company(company.id))

    @api.model
    @tools.ormcache("company_id")
    def _program_id_for_company(self, company_id):
        # sudo: which program covers a company does not depend on the user.
        program = self.sudo().search([("company_ids", "in", company_id)], limit=1)
        return program.id or None

    def _clear_program_cache(self):
        """Forget which program covers which company, in this worker and, once the
        transaction commits, in the others. Code that rolls a transaction back
        calls ``registry.reset_changes()`` as well, as Odoo's requests and jobs do,
        so that the cache forgets what it learnt in that transaction."""
        self.env.registry.clear_cache()

    # ------------------------------------------------------------------ arithmetic
    def _round_points(self, points):
        self.ensure_one()
        return float_round(
            points,
            precision_rounding=self.points_rounding,
            rounding_method=self.rounding_method,
        )

    def _points_for_basis(self, amount):
        """Points the program's rate gives for ``amount`` (program currency), before
        the multiplier and rounding. A step rate drops the remainder."""
        self.ensure_one()
        if self.rate_type == "per_step":
            return math.floor(round(amount / self.step_amount, 6)) * self.step_points
        if self.rate_type == "percentage":
            return amount * self.percentage / 100.0 / self.point_value
        return amount * self.rate

    def _cumulative_points(self, basis_before, basis_delta):
        """Points that moving a customer's total spend from ``basis_before`` by
        ``basis_delta`` awards: what the new total gives minus what the old one gave.
        Steps (and rounding remainders) carry over between tickets."""
        self.ensure_one()
        before = self._round_points(self._points_for_basis(basis_before))
        after = self._round_points(self._points_for_basis(basis_before + basis_delta))
        return self._round_points((after - before) * self.multiplier)

    # ------------------------------------------------------------------ set-up
    @api.model_create_multi
    def create(self, vals_list):
        programs = super().create(vals_list)
        programs._clear_program_cache()
        programs._setup_companies()
        return programs

    def unlink(self):
        res = super().unlink()
        self._clear_program_cache()
        return res

    def _setup_companies(self):
        """Give each company of the programs its points journal and accounts.
        Companies without a chart of accounts are set up once they have one and the
        program is saved again."""
        for company in self.sudo().company_ids:
            if company.loyalty_points_journal_id or not company.chart_template:
                continue
            company._loyalty_points_setup_accounting()

    # ------------------------------------------------------------------ spending
    def _points_for_amount(self, amount):
        """Points that pay ``amount`` (program currency), rounded up."""
        self.ensure_one()
        return float_round(
            amount / self.point_value,
            precision_rounding=self.points_rounding,
            rounding_method="UP",
        )

    def _check_spending_open(self, channel="backend"):
        """Whether points can be spent at all now, on this channel (``backend``,
        ``pos``, ``portal``): the program is on (staff may also spend in test mode)
        and redemptions are not paused. Shared by points payments and rewards."""
        self.ensure_one()
        if self.state == "off":
            raise UserError(
                _(
                    "The loyalty program %(program)s is off: points cannot be spent.",
                    program=self.name,
                )
            )
        if self.state == "test" and channel != "backend":
            raise UserError(
                _(
                    "The loyalty program %(program)s is in test mode: customers cannot "
                    "spend points yet.",
                    program=self.name,
                )
            )
        if not self.min_redemption:
            raise UserError(
                _(
                    "Paying with points is paused: the minimum redemption of "
                    "%(program)s is 0. Set a minimum to allow it again.",
                    program=self.name,
                )
            )

    def _check_redemption(self, partner, points, amount, channel="backend"):
        """The rules of paying with points, in one place for every channel
        (``backend``, ``pos``, ``portal``). Call it under ``_lock_balances``."""
        self._check_spending_open(channel)
        rounding = self.currency_id.rounding
        if float_compare(amount, 0.0, precision_rounding=rounding) <= 0:
            raise UserError(
                _("The amount to pay with points must be greater than zero.")
            )
        if float_compare(amount, self.min_redemption, precision_rounding=rounding) < 0:
            raise UserError(
                _(
                    "At least %(minimum)s must be paid with points at a time.",
                    minimum=format_amount(
                        self.env, self.min_redemption, self.currency_id
                    ),
                )
            )
        partner = partner.commercial_partner_id
        if not partner._loyalty_points_has_balance(self, points):
            pending = partner._loyalty_points_amounts(self).get(partner.id, (0.0, 0.0))[
                1
            ]
            raise UserError(
                _(
                    "%(partner)s has %(available)s points available (%(pending)s more "
                    "pending); paying %(amount)s needs %(points)s points.",
                    partner=partner.display_name,
                    available=max(partner._loyalty_points_spendable(self), 0.0),
                    pending=pending,
                    amount=format_amount(self.env, amount, self.currency_id),
                    points=points,
                )
            )

    def _redeem(self, partner, amount, channel="backend", **vals):
        """Pay ``amount`` (program currency) with the partner's points: lock their
        balance, check the rules, write the ``redeem`` entry, which takes from the
        lots that expire first. The one way points are spent."""
        self.ensure_one()
        Entry = self.env["loyalty.points.entry"]
        partner = partner.commercial_partner_id
        points = self._points_for_amount(amount)
        Entry._lock_balances(self, partner)
        self._check_redemption(partner, points, amount, channel)
        return Entry._write_entries(
            [
                {
                    "partner_id": partner.id,
                    "program_id": self.id,
                    "kind": "redeem",
                    "points": -points,
                    "amount_basis": -amount,
                    **vals,
                }
            ]
        )

    def _give_back(self, entries, **vals):
        """Give the points of the negative ``entries`` back to the lots they were
        taken from, each lot's share with its original dates. An entry is given
        back once, however often this is called."""
        Entry = self.env["loyalty.points.entry"].sudo()
        given = Entry.search(
            [("reversed_entry_id", "in", entries.ids)]
        ).reversed_entry_id
        todo = (entries - given).filtered(lambda e: e.points < 0)
        for program in todo.program_id:
            Entry._lock_balances(program, todo.partner_id)
        vals_list = []
        for entry in todo:
            base = {
                "partner_id": entry.partner_id.id,
                "program_id": entry.program_id.id,
                "company_id": entry.company_id.id,
                "kind": "reverse",
                "reversed_entry_id": entry.id,
                **vals,
            }
            pieces = [
                {
                    "points": allocation.points,
                    "available_date": allocation.lot_id.available_date,
                    "expiry_date": allocation.lot_id.expiry_date,
                }
                for allocation in entry.allocation_ids
            ]
            rest = -entry.points - sum(entry.allocation_ids.mapped("points"))
            if float_compare(rest, 0.0, precision_digits=4) > 0:
                pieces.append({"points": rest})
            # The spending the entry accounted for goes back with its first piece.
            pieces[0]["amount_basis"] = -entry.amount_basis
            vals_list += [dict(base, **piece) for piece in pieces]
        return Entry._write_entries(vals_list)

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
                   CASE WHEN e.kind = 'expire' THEN 'breakage'
                        WHEN e.kind = 'redeem' OR r.kind = 'redeem' THEN 'reward'
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
        if PROGRAM_LOOKUP_FIELDS.intersection(vals):
            self._clear_program_cache()
        if "company_ids" in vals or "book_points" in vals:
            self._setup_companies()
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
        moves = self.env["account.move"].sudo()
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

    def _demo_load_history(self):
        """Demo data: a history written the way the application writes it.

        Invoices are posted and paid, so their points come from the accrual; a
        goodwill grant and a correction are adjustments with a reason; a welcome
        bonus past its expiry date is consumed by an expiry entry; and once the
        program has a pending period, a fresh invoice's points are still pending."""
        self.ensure_one()
        company = self.company_ids[:1]
        journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(company),
                ("type", "=", "bank"),
            ],
            limit=1,
        )
        if not journal:
            return  # no chart of accounts: nothing can be invoiced
        program = self.with_company(company)
        ref = program.env.ref
        anna = ref("loyalty_points.res_partner_demo_anna")
        marco = ref("loyalty_points.res_partner_demo_marco")
        sofia = ref("loyalty_points.res_partner_demo_sofia")
        consultation = ref("loyalty_points.product_demo_consultation")
        vaccination = ref("loyalty_points.product_demo_vaccination")
        dental_kit = ref("loyalty_points.product_demo_dental_kit")
        euthanasia = ref("loyalty_points.product_demo_euthanasia")
        today = fields.Date.context_today(program)
        pending_hours = program.pending_hours or 24

        # Earned before the program had a pending period: available now.
        program.pending_hours = 0
        program._demo_paid_invoice(
            anna, [(consultation, 1), (vaccination, 2)], today - timedelta(45), journal
        )
        program._demo_paid_invoice(
            anna, [(consultation, 1), (dental_kit, 2)], today - timedelta(20), journal
        )
        # The excluded service earns nothing; the consultation on the same ticket does.
        program._demo_paid_invoice(
            marco, [(consultation, 1), (euthanasia, 1)], today - timedelta(30), journal
        )

        Entry = program.env["loyalty.points.entry"]
        Entry._lock_balances(program, anna | marco)
        Entry._write_entries(
            [
                program._demo_entry_vals(
                    anna, "adjust", 25, reason="Goodwill: waited an hour for her visit"
                ),
                program._demo_entry_vals(
                    anna, "adjust", -5, reason="Correction: vaccination counted twice"
                ),
            ]
        )
        # A welcome bonus of long ago, left unspent past its expiry date.
        earned = datetime.combine(today - timedelta(400), time(10))
        expiry = (earned + timedelta(days=365)).date()
        lot = Entry._write_entries(
            [
                program._demo_entry_vals(
                    marco,
                    "adjust",
                    50,
                    reason="Welcome bonus",
                    date=earned,
                    expiry_date=expiry,
                )
            ]
        )
        Entry._write_entries(
            [
                program._demo_entry_vals(
                    marco,
                    "expire",
                    -lot.points,
                    reason="Points expired",
                    date=datetime.combine(expiry + timedelta(1), time(2)),
                    expired_lot_id=lot.id,
                    _from_lot_ids=lot.ids,
                )
            ]
        )

        # From now on, earned points wait a day before they can be spent.
        program.pending_hours = pending_hours
        program._demo_paid_invoice(
            sofia, [(consultation, 1), (vaccination, 1)], today, journal
        )

    def _demo_entry_vals(self, partner, kind, points, **vals):
        return {
            "partner_id": partner.id,
            "program_id": self.id,
            "company_id": self.env.company.id,
            "kind": kind,
            "points": points,
            **vals,
        }

    def _demo_paid_invoice(self, partner, lines, date, journal):
        """A customer invoice of ``lines`` [(product template, quantity)], posted and
        paid in full through ``journal`` on ``date``."""
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": template.product_variant_id.id,
                            "quantity": quantity,
                        }
                    )
                    for template, quantity in lines
                ],
            }
        )
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"journal_id": journal.id, "payment_date": date})._create_payments()
        return invoice

    @api.constrains("referral_points")
    def _check_referral_points(self):
        for program in self:
            if program.referral_points < 0:
                raise ValidationError(
                    _(
                        "%(program)s: the referral points cannot be negative; use 0 "
                        "for no referral reward.",
                        program=program.name,
                    )
                )

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
