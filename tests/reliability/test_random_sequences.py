"""Random sequences of what happens to customers' points, in any order: invoices
earning when paid, points paying invoices, credit notes, invoices cancelled,
rewards, manual adjustments, Point of Sale sales (cash or points) and refunds,
the clock moving on, the expiry job, the books, and customers merged.

After every step the ledger's invariants hold (``invariants.violations``) and
each customer's balance and available points are what a model of the rules
predicts: lots earned now that expire ``expiry_days`` later, spending that takes
from the lots that expire first, reversals that take back from their own lot
first and leave a debt when the points were spent, the expiry job writing off
what is left of the lots past their date, a merge moving every lot to the
survivor intact.

Hypothesis draws the sequences (derandomized at the small size, so that CI runs
the same ones every time); one set-up for the class, a savepoint per sequence.
"""

import itertools
import logging
from collections import Counter
from datetime import timedelta

import freezegun.api
from freezegun import freeze_time
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user
from odoo.tools import float_compare

from odoo.addons.loyalty_points_pos.tests.common import LoyaltyPointsPosCommon

from .invariants import violations
from .report import record, scaled, size

_logger = logging.getLogger(__name__)

CUSTOMERS = 3
RATE = 2  # points per 1.00 (the POS common set-up's program)
POINT_VALUE = 100  # points per 1.00 paid with points (0.01 each)
PRODUCT_PRICE = 50  # the POS product

STEP_NAMES = [
    "earn",
    "pay_points",
    "cancel_payment",
    "refund",
    "cancel",
    "redeem",
    "advance",
    "expire",
    "merge",
    "adjust",
    "pos_sale",
    "pos_refund",
    "book",
]
# Steps that are tickets in the report's sense (paid invoices, POS orders,
# refunds, redemptions, rewards).
TICKET_STEPS = {"earn", "pay_points", "refund", "redeem", "pos_sale", "pos_refund"}

customer = st.integers(0, CUSTOMERS - 1)
EARN = st.tuples(st.just("earn"), customer, st.sampled_from([10, 25, 50, 100, 150]))
CASH_SALE = st.tuples(st.just("pos_sale"), customer, st.integers(1, 3), st.just(0))
STEPS = st.one_of(
    # Earning twice as often as the rest: most steps need points or tickets.
    EARN,
    EARN,
    CASH_SALE,
    st.tuples(st.just("pay_points"), customer, st.sampled_from([1, 2, 3])),
    st.tuples(st.just("refund"), customer, st.integers(0, 9), st.sampled_from([5, 25])),
    st.tuples(st.just("cancel"), customer, st.integers(0, 9)),
    st.tuples(st.just("redeem"), customer),
    st.tuples(st.just("advance"), st.sampled_from([20, 90, 200, 370])),
    st.tuples(st.just("expire")),
    st.tuples(st.just("merge"), customer, customer),
    st.tuples(st.just("adjust"), customer, st.sampled_from([-150, -50, 30, 120])),
    # Points paid per item (0: all in cash, the order earns).
    st.tuples(
        st.just("pos_sale"), customer, st.integers(1, 3), st.sampled_from([0, 0, 1, 2])
    ),
    st.tuples(st.just("pos_refund"), customer, st.integers(0, 9)),
    st.tuples(st.just("cancel_payment"), customer, st.integers(0, 9)),
    st.tuples(st.just("book")),
)
# One story through every kind of step (run first, whatever hypothesis draws):
# the lots expire between two sales, a merge joins two customers' lots.
EVERY_STEP = [
    ("earn", 0, 150),
    ("pos_sale", 1, 2, 0),
    ("pay_points", 0, 1),
    ("redeem", 0),
    ("adjust", 1, 120),
    ("adjust", 1, -50),
    ("refund", 0, 0, 25),
    ("pos_sale", 1, 1, 2),
    ("pos_refund", 1, 0),
    ("pos_refund", 1, 1),
    ("book",),
    ("advance", 200),
    ("earn", 2, 50),
    ("cancel_payment", 0, 0),
    ("advance", 200),
    ("pay_points", 2, 1),
    ("expire",),
    ("merge", 1, 2),
    ("cancel", 2, 0),
    ("book",),
]
SEQUENCES = st.lists(STEPS, min_size=scaled(6, 8), max_size=scaled(14, 30))


class Lot:
    """A positive entry as the model sees it: what is left of it and when it
    expires; ``seq`` orders lots of the same expiry date as the ledger does (by
    date, then id)."""

    _seq = itertools.count()

    def __init__(self, points, expiry):
        self.points = points
        self.left = points
        self.expiry = expiry
        self.seq = next(self._seq)


class Customer:
    def __init__(self, partner):
        self.partner = partner
        self.lots = []
        self.debt = 0.0
        self.merged_into = None
        self.tickets = []
        self.payments = []  # [points payment, Spend] of invoices


class Ticket:
    """A ticket (invoice or POS order): the spend left that earns, the lot it
    earned, or what paid it with points (a Spend) and the points per item."""

    def __init__(self, record, owner, spend, lot=None, paid=None, per_item=0):
        self.record = record
        self.owner = owner
        self.spend = spend
        self.lot = lot
        self.paid = paid
        self.per_item = per_item


class Spend:
    """A negative entry's pieces: (expiry date of the lot, points taken from it),
    in the order taken, and how much of it was given back."""

    def __init__(self, pieces):
        self.pieces = pieces
        self.given = 0.0


class TestRandomSequences(LoyaltyPointsPosCommon):
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = cls.customer | cls.env["res.partner"].create(
            [{"name": f"Random customer {i}", "is_company": True} for i in (1, 2)]
        )
        cls.cash_journal = cls.company_data["default_journal_bank"]
        cls.points_journal = cls.company.loyalty_points_journal_id
        cls.reward = cls.env["loyalty.points.reward"].create(
            {"name": "Free polish", "points_cost": 100, "program_id": cls.program.id}
        )
        cls.manager = new_test_user(
            cls.env,
            "lp_random_manager",
            groups="base.group_user,loyalty_points.group_loyalty_points_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.expiry_days = cls.program.expiry_days
        cls.sequences = 0
        cls.steps = 0
        cls.outcomes = Counter()
        cls.checking = 0.0  # seconds spent in violations()

    @classmethod
    def tearDownClass(cls):
        tickets = sum(
            count
            for (name, outcome), count in cls.outcomes.items()
            if outcome == "done" and name in TICKET_STEPS
        )
        record("random", sequences=cls.sequences, steps=cls.steps, tickets=tickets)
        _logger.info(
            "random sequences: %s sequences, %s steps, %s tickets; violations() "
            "took %.1f ms per step on average; outcomes %s",
            cls.sequences,
            cls.steps,
            tickets,
            1000 * cls.checking / max(cls.steps, 1),
            dict(cls.outcomes),
        )
        super().tearDownClass()

    # ------------------------------------------------------------------ model
    def _today(self):
        return fields.Date.to_date(self.now)

    def _take(self, who, points, own=()):
        """Take ``points`` from ``own`` lots first (a reversal's), then from the
        spendable lots, soonest expiry first; what no lot covers is a debt."""
        need = points
        today = self._today()
        spendable = sorted(
            (lot for lot in who.lots if lot not in own and lot.expiry >= today),
            key=lambda lot: (lot.expiry, lot.seq),
        )
        pieces = []
        for lot in [*sorted(own, key=lambda lot: (lot.expiry, lot.seq)), *spendable]:
            take = min(need, lot.left)
            if take > 0:
                lot.left -= take
                need -= take
                pieces.append((lot.expiry, take))
        who.debt += need
        return Spend(pieces)

    def _give_back(self, who, spend, points):
        """Give ``points`` of ``spend`` back, lot by lot in the order taken, each
        piece a new lot with its lot's expiry date (written off at once when that
        date is past)."""
        skip, left = spend.given, points
        for expiry, piece in spend.pieces:
            if left <= 0:
                break
            if piece <= skip:
                skip -= piece
                continue
            share = min(piece - skip, left)
            skip = 0.0
            lot = Lot(share, expiry)
            if expiry < self._today():
                lot.left = 0.0
            who.lots.append(lot)
            left -= share
        spend.given += points - left

    def _available(self, who):
        today = self._today()
        return sum(lot.left for lot in who.lots if lot.expiry >= today) - who.debt

    def _balance(self, who):
        return sum(lot.left for lot in who.lots) - who.debt

    def _lot(self, who, points):
        """A lot earned now."""
        lot = Lot(points, self._today() + timedelta(days=self.expiry_days))
        who.lots.append(lot)
        return lot

    # ------------------------------------------------------------------ steps
    def _invoice_for(self, who, amount, post=True):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": who.partner.id,
                "invoice_date": self._today(),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "quantity": 1.0,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        if post:
            invoice.action_post()
        return invoice

    def _register(self, invoice, amount, journal):
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "amount": amount,
                    "journal_id": journal.id,
                    "payment_date": self._today(),
                }
            )
            ._create_payments()
        )

    def _refused(self, call):
        """``call()`` is refused with a clear message and writes nothing."""
        with self.assertRaises(UserError), self.env.cr.savepoint():
            call()
        self.env.invalidate_all()
        return "refused"

    def step_earn(self, who, amount):
        invoice = self._invoice_for(who, amount)
        self._register(invoice, amount, self.cash_journal)
        lot = self._lot(who, RATE * amount)
        who.tickets.append(Ticket(invoice, who, amount, lot))

    def step_pay_points(self, who, amount):
        """An invoice of 10.00 paid ``amount`` with points, the rest in cash: a
        ticket paid with points earns nothing."""
        invoice = self._invoice_for(who, 10)
        points = amount * POINT_VALUE
        if points > self._available(who) + 0.005:
            return self._refused(
                lambda: self._register(invoice, amount, self.points_journal)
            )
        payment = self._register(invoice, amount, self.points_journal)
        who.payments.append([payment, self._take(who, points)])
        self._register(invoice, 10 - amount, self.cash_journal)

    def step_cancel_payment(self, who, index):
        """A points payment cancelled: its points go back to their lots."""
        payments = [p for p in who.payments if p[0].state != "canceled"]
        if not payments:
            return "skipped"
        payment, spend = payments[index % len(payments)]
        payment.action_draft()
        payment.action_cancel()
        self._give_back(who, spend, sum(piece for _expiry, piece in spend.pieces))

    def _ticket(self, who, index, kind):
        tickets = [
            t
            for t in who.tickets
            if t.spend > 0 and (t.record._name == "pos.order") == (kind == "pos")
        ]
        return tickets[index % len(tickets)] if tickets else None

    def _drop(self, ticket, spend):
        """The ticket's spend drops by ``spend``: its points follow, taken back
        from its own lot first."""
        ticket.spend -= spend
        self._take(ticket.owner, RATE * spend, own=[ticket.lot])

    def step_refund(self, who, index, amount):
        ticket = self._ticket(who, index, "invoice")
        if not ticket:
            return "skipped"
        amount = min(amount, ticket.spend)
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=ticket.record.ids)
            .create({"journal_id": ticket.record.journal_id.id, "reason": "random"})
        )
        credit_note = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        credit_note.invoice_line_ids.price_unit = amount
        credit_note.action_post()
        self._drop(ticket, amount)

    def step_cancel(self, who, index):
        ticket = self._ticket(who, index, "invoice")
        if not ticket:
            return "skipped"
        ticket.record.button_draft()
        ticket.record.button_cancel()
        self._drop(ticket, ticket.spend)

    def step_redeem(self, who):
        """A reward of 100 points on a draft invoice."""
        invoice = self._invoice_for(who, 30, post=False)

        def redeem():
            self.env["loyalty.points.reward.wizard"].with_context(
                active_model="account.move", active_id=invoice.id
            ).create({"reward_id": self.reward.id}).action_redeem()

        if self.reward.points_cost > self._available(who) + 0.005:
            return self._refused(redeem)
        redeem()
        self._take(who, self.reward.points_cost)

    def step_advance(self, days):
        """The clock moved on by ``days`` (run_sequence moves it)."""

    def step_expire(self):
        self.env["loyalty.points.entry"]._cron_expire_points()
        today = self._today()
        for who in self.live:
            for lot in who.lots:
                if lot.expiry < today:
                    lot.left = 0.0

    def step_merge(self, who, into):
        if who is into:
            return "skipped"
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (who.partner | into.partner).ids, into.partner, extra_checks=False
        )
        into.lots += who.lots
        into.debt += who.debt
        for ticket in who.tickets:
            ticket.owner = into
        into.tickets += who.tickets
        into.payments += who.payments
        who.merged_into = into
        self.live.remove(who)

    def step_adjust(self, who, points):
        wizard = (
            self.env["loyalty.points.adjust.wizard"]
            .with_user(self.manager)
            .create(
                {
                    "partner_id": who.partner.id,
                    "program_id": self.program.id,
                    "points": points,
                    "reason": "random",
                }
            )
        )
        if points < 0 and -points > self._available(who) + 0.005:
            return self._refused(wizard.action_apply)
        wizard.action_apply()
        if points > 0:
            self._lot(who, points)
        else:
            self._take(who, -points)

    def step_pos_sale(self, who, quantity, per_item):
        """A POS order of ``quantity`` items, paid ``per_item`` with points for
        each item and the rest in cash: all in cash, it earns; with points, it
        earns nothing."""
        total = quantity * PRODUCT_PRICE
        points_paid = per_item * quantity
        payments = [(self.cash_pm1, total - points_paid)]
        if points_paid:
            payments.append((self.points_pm, points_paid))

        def sync():
            return self._sync(
                [(self.product, quantity)],
                payments,
                customer=who.partner,
                strict=True,
            )

        points = points_paid * POINT_VALUE
        if points_paid and points > self._available(who) + 0.005:
            return self._refused(sync)
        order = sync()
        if points_paid:
            paid = self._take(who, points)
            who.tickets.append(Ticket(order, who, total, paid=paid, per_item=per_item))
        else:
            lot = self._lot(who, RATE * total)
            who.tickets.append(Ticket(order, who, total, lot=lot))

    def step_pos_refund(self, who, index):
        """One item of a POS order comes back: what it earned is taken back, the
        share paid with points goes back as points, the rest in cash."""
        ticket = self._ticket(who, index, "pos")
        if not ticket:
            return "skipped"
        line = ticket.record.lines
        payments = [(self.cash_pm1, -(PRODUCT_PRICE - ticket.per_item))]
        if ticket.per_item:
            payments.append((self.points_pm, -ticket.per_item))
        self._sync(
            [
                {
                    "product": self.product,
                    "quantity": -1,
                    "refunded_orderline_id": line.id,
                }
            ],
            payments,
            customer=ticket.owner.partner,
            strict=True,
        )
        if ticket.paid:
            ticket.spend -= PRODUCT_PRICE
            self._give_back(ticket.owner, ticket.paid, ticket.per_item * POINT_VALUE)
        else:
            self._drop(ticket, PRODUCT_PRICE)

    def step_book(self):
        self.program._book_points(date=self._today())

    # ------------------------------------------------------------------ checks
    def assertHolds(self, step):
        # The real clock: freezegun stops time.perf_counter, and every module's
        # name for it, but not its own.
        start = freezegun.api.real_perf_counter()
        found = violations(self.env)
        type(self).checking += freezegun.api.real_perf_counter() - start
        self.assertEqual(found, [], f"after {step}")
        amounts = (
            self.partners[:0]
            .browse([who.partner.id for who in self.live])
            ._loyalty_points_amounts(self.program)
        )
        for who in self.live:
            balance, _pending, available = amounts[who.partner.id]
            expected = (self._balance(who), self._available(who))
            self.assertEqual(
                [
                    float_compare(a, b, precision_digits=2)
                    for a, b in zip((balance, available), expected, strict=True)
                ],
                [0, 0],
                f"after {step}: {who.partner.name} has {balance} points, "
                f"{available} available; the model says {expected}",
            )

    def run_sequence(self, steps):
        """Run ``steps`` in a savepoint that is rolled back afterwards."""
        type(self).sequences += 1
        self.now = fields.Datetime.now()
        self.live = [Customer(partner) for partner in self.partners]
        customers = list(self.live)
        with self.env.cr.savepoint(flush=False) as savepoint:
            try:
                for step in steps:
                    name, *args = step
                    if name == "advance":
                        # The clock moves before the step, so that the checks
                        # after it read the new day.
                        self.now += timedelta(days=args[0])
                    with freeze_time(self.now):
                        picked = [
                            customers[a] if i < self._customer_args(name) else a
                            for i, a in enumerate(args)
                        ]
                        # A merged customer's steps go to the survivor.
                        picked = [self._alive(a) for a in picked]
                        outcome = getattr(self, f"step_{name}")(*picked)
                        self.outcomes[name, outcome or "done"] += 1
                        self.env.flush_all()
                        self.assertHolds(step)
                    type(self).steps += 1
            finally:
                savepoint.rollback()
                self.env.invalidate_all()

    @staticmethod
    def _customer_args(name):
        """How many of a step's first arguments are customers."""
        if name == "merge":
            return 2
        return 0 if name in ("advance", "expire", "book") else 1

    @staticmethod
    def _alive(value):
        """A customer, or the one they were merged into, who holds their points."""
        if not isinstance(value, Customer):
            return value
        while value.merged_into:
            value = value.merged_into
        return value

    def test_random_sequences(self):
        """Any sequence of steps keeps every invariant and the model's balances
        after each step, and every kind of step did its work in some sequence
        (refusals of what the customer cannot afford are checked too)."""

        @settings(
            max_examples=scaled(25, 120),
            deadline=None,
            derandomize=size() == "small",
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(steps=SEQUENCES)
        @example(steps=EVERY_STEP)
        def run(steps):
            self.run_sequence(steps)

        run()
        idle = [name for name in STEP_NAMES if not self.outcomes[name, "done"]]
        self.assertFalse(idle, f"steps that never did their work: {idle}")
        self.assertTrue(
            any(outcome == "refused" for _name, outcome in self.outcomes),
            "no refusal was tried",
        )
