# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import math
from collections import defaultdict, namedtuple

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_round, format_amount

from ..tools import format_points

# What is kept in the registry's cache of the program covering a company
# (_program_facts).
ProgramFacts = namedtuple(
    "ProgramFacts",
    [
        "id",
        "state",
        "enrolled_only",
        "point_value",
        "currency_id",
        "min_redemption",
        "pending_hours",
    ],
)
# The fields that decide which program covers a company (_program_for_company),
# and those of its facts kept with it: a change of one clears the cache.
PROGRAM_LOOKUP_FIELDS = {"company_ids", "active", "sequence", *ProgramFacts._fields[1:]}


class LoyaltyPointsProgram(models.Model):
    _name = "loyalty.points.program"
    _description = "Loyalty Points Program"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Html(
        string="Description for Clients",
        translate=True,
        # Read by the portal page only, not with every program an invoice or a
        # till reads.
        prefetch=False,
        help="What customers read about the program on their points page.",
    )
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

    expiry_done_date = fields.Date(
        string="Expired Up To",
        readonly=True,
        copy=False,
        help="The nightly expiry job has written off every lot whose expiry date "
        "is before this day.",
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

    # Each rule once, in the database, with the message the user reads: Odoo
    # turns a violated CHECK into this message (odoo.service.model).
    _sql_constraints = [
        (
            "rate_positive",
            "CHECK(rate > 0)",
            "The points per 1.00 must be greater than zero.",
        ),
        (
            "step_positive",
            "CHECK(step_amount > 0)",
            "The spending step must be greater than zero.",
        ),
        (
            "step_points_positive",
            "CHECK(step_points > 0)",
            "The points per step must be greater than zero.",
        ),
        (
            "percentage_positive",
            "CHECK(percentage > 0)",
            "The percentage back must be greater than zero.",
        ),
        (
            "multiplier_positive",
            "CHECK(multiplier > 0)",
            "The multiplier must be greater than zero.",
        ),
        (
            "point_value_positive",
            "CHECK(point_value > 0)",
            "The point value must be greater than zero.",
        ),
        (
            "min_amount_positive",
            "CHECK(min_amount >= 0)",
            "The minimum ticket amount cannot be negative.",
        ),
        (
            "min_redemption_positive",
            "CHECK(min_redemption >= 0)",
            "The minimum redemption cannot be negative; use 0 to pause redemptions.",
        ),
        (
            "pending_positive",
            "CHECK(pending_hours >= 0)",
            "Pending hours cannot be negative; use 0 for no pending period.",
        ),
        (
            "expiry_positive",
            "CHECK(expiry_days >= 0)",
            "Expiry days cannot be negative; use 0 for points that never expire.",
        ),
        (
            "rounding_positive",
            "CHECK(points_rounding > 0)",
            "The points rounding must be greater than zero.",
        ),
    ]

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
        facts = self._program_facts(company.id)
        # In the caller's environment: what is done with the program next
        # (redeeming, booking, a wizard) is checked against the caller's rights.
        return self.browse(facts and facts.id)

    @api.model
    @tools.ormcache("company_id")
    def _program_facts(self, company_id):
        """``ProgramFacts`` of the active program covering the company (None: no
        program): which one it is, and what is shown on every request (the
        portal's card, the till's configuration and a customer's points at the
        counter) needs of it, without reading the program. Kept in the registry's
        cache, cleared when one of ``PROGRAM_LOOKUP_FIELDS`` changes."""
        # sudo: which program covers a company does not depend on the user, nor
        # on whether the caller shows archived records (the cache is shared).
        program = (
            self.sudo()
            .with_context(active_test=True)
            .search([("company_ids", "in", company_id)], limit=1)
        )
        if not program:
            return None
        return ProgramFacts(
            program.id,
            program.state,
            program.enrolled_only,
            program.point_value,
            program.currency_id.id,
            program.min_redemption,
            program.pending_hours,
        )

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
        # sudo: the program's companies may be outside the user's allowed ones.
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

    def _check_redemption(self, partner, points, amount, amounts, channel="backend"):
        """The rules of paying with points, in one place for every channel
        (``backend``, ``pos``, ``portal``). Call it under ``_lock_balances``;
        ``amounts``: the customer's (balance, pending, available) that the lock
        read (None: the customer has no entry)."""
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
        _balance, pending, available = amounts or (0.0, 0.0, 0.0)
        precision = self.env["decimal.precision"].precision_get("Loyalty Points")
        if float_compare(available, points, precision_digits=precision) < 0:
            raise UserError(
                _(
                    "%(partner)s has %(available)s points available (%(pending)s more "
                    "pending); paying %(amount)s needs %(points)s points.",
                    partner=partner.display_name,
                    available=format_points(self.env, max(available, 0.0)),
                    pending=format_points(self.env, pending),
                    amount=format_amount(self.env, amount, self.currency_id),
                    points=format_points(self.env, points),
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
        amounts = Entry._lock_balances(self, partner, amounts=True)
        self._check_redemption(
            partner, points, amount, amounts.get(partner.id), channel
        )
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

    def _give_back(self, entries, points=None, **vals):
        """Give the points of the negative ``entries`` back to the lots they were
        taken from, each lot's share with its original dates: all of them, or at
        most ``points``, the oldest entry's lots first. What was given back
        already counts: an entry never gets back more than it took, however
        often this is called, and a partial give-back goes on where the last one
        stopped. Returns the entries written."""
        # sudo: what was already given back is read whatever the user's rights.
        Entry = self.env["loyalty.points.entry"].sudo()
        todo = entries.filtered(lambda e: e.points < 0).sorted("id")
        # Locked before reading what was given back: two give-backs at once
        # cannot both return the same points.
        for program in todo.program_id:
            Entry._lock_balances(program, todo.partner_id)
        given_points, given_basis = defaultdict(float), defaultdict(float)
        for back in Entry.search([("reversed_entry_id", "in", todo.ids)]):
            given_points[back.reversed_entry_id.id] += back.points
            given_basis[back.reversed_entry_id.id] += back.amount_basis
        left = points
        vals_list = []
        for entry in todo:
            if left is not None and float_compare(left, 0.0, precision_digits=4) <= 0:
                break
            room = -entry.points - given_points[entry.id]
            if float_compare(room, 0.0, precision_digits=4) <= 0:
                continue
            take = room if left is None else min(room, left)
            base = {
                "partner_id": entry.partner_id.id,
                "program_id": entry.program_id.id,
                "company_id": entry.company_id.id,
                "kind": "reverse",
                "reversed_entry_id": entry.id,
                **vals,
            }
            pieces = self._give_back_pieces(entry, given_points[entry.id], take)
            # The spending the entry accounted for goes back with its first piece,
            # in proportion to the points given back.
            if float_compare(take, room, precision_digits=4) == 0:
                pieces[0]["amount_basis"] = -entry.amount_basis - given_basis[entry.id]
            else:
                pieces[0]["amount_basis"] = entry.amount_basis * take / entry.points
            vals_list += [dict(base, **piece) for piece in pieces]
            if left is not None:
                left -= take
        return Entry._write_entries(vals_list)

    @api.model
    def _give_back_pieces(self, entry, skip, points):
        """[{points, dates}] that give ``points`` back to the negative ``entry``:
        lot by lot in the order it took them, with each lot's dates (what no lot
        covered last, with new dates), after the first ``skip`` points, which
        were given back already."""
        pieces = [
            (
                allocation.points,
                {
                    "available_date": allocation.lot_id.available_date,
                    "expiry_date": allocation.lot_id.expiry_date,
                },
            )
            for allocation in entry.allocation_ids.sorted("id")
        ]
        rest = -entry.points - sum(piece for piece, _dates in pieces)
        if float_compare(rest, 0.0, precision_digits=4) > 0:
            pieces.append((rest, {}))
        result = []
        for piece, dates in pieces:
            if float_compare(points, 0.0, precision_digits=4) <= 0:
                break
            if float_compare(piece, skip, precision_digits=4) <= 0:
                skip -= piece
                continue
            share = min(piece - skip, points)
            skip = 0.0
            result.append({"points": share, **dates})
            points -= share
        return result

    def write(self, vals):
        res = super().write(vals)
        if PROGRAM_LOOKUP_FIELDS.intersection(vals):
            self._clear_program_cache()
        if "company_ids" in vals or "book_points" in vals:
            self._setup_companies()
        return res
