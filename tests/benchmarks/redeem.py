"""(e) Paying customer invoices half with points and half by bank, against the same
invoices paid half with a prepaid voucher and half by bank in a database without
loyalty_points: the cost of paying with points.

The work is the accrual benchmark's (``accrual.Workload``: invoices created as drafts
outside the measure, a warm-up, each invoice posted then paid as at a counter), with
invoices of two lines, no taxes, 100.00 in all, paid in two payments through the
register-payment wizard: 50.00 in the company's points journal, then the rest in its
first bank journal. In the database without loyalty_points the first 50.00 goes
through a "Vouchers" bank journal that, like the points journal, clears the
receivable against a current liability: both databases then book the same
accounting through journals of the same type, and what differs is the addon's
work, not Odoo's work for another kind of journal. Each customer holds enough points
beforehand, as one available ``adjust`` lot written with set-based SQL outside the
measure. The program is at its defaults for paying with points (the ticket earns
nothing), so what is measured is the redemption: the lock, the spendable check, the
ledger entry and the lots it consumes."""

from odoo import fields
from odoo.tools import SQL

from . import accrual
from .common import (
    balance_mismatches,
    insert_entries,
    reserve_ids,
    voucher_journal,
)

SIZES = {"full": 1000, "small": 100}
TARGET_RATIO = 1.05
INVOICE_TOTAL = 100.0


class Workload(accrual.Workload):
    """``size`` draft invoices of 100.00 (and the warm-up ones) of one database, and
    in the database with loyalty_points the points to pay half of each."""

    def __init__(self, env, size):
        super().__init__(env, size)
        # The first half: the points journal, or without loyalty_points a
        # voucher journal that books alike.
        self.points_journal = env["account.journal"]
        if not self.program:
            self.first_journal = voucher_journal(env)
            return
        self.program.write({"min_redemption": 1.0, "points_paid_earning": "none"})
        company = env.company
        self.points_journal = company.loyalty_points_journal_id
        if not self.points_journal.loyalty_points_journal:
            raise RuntimeError(
                f"The company {company.name} has no loyalty points journal: the "
                "program sets it up only for a company with a chart of accounts. "
                "Install a chart of accounts in the benchmark database."
            )
        self.first_journal = self.points_journal
        self.half_points = self.program._points_for_amount(INVOICE_TOTAL / 2)
        self._give_points()

    @staticmethod
    def _lines(index):
        return ((2, 30.0), (1, 40.0))

    def _give_points(self):
        """One available lot per customer, enough for all its invoices and some."""
        moves = self.warm_invoices | self.invoices
        counts = {}
        for move in moves:
            partner = move.commercial_partner_id.id
            counts[partner] = counts.get(partner, 0) + 1
        partners = list(counts)
        self.customers = self.env["res.partner"].browse(partners)
        first = reserve_ids(self.env, "loyalty_points_entry", len(partners))
        now = fields.Datetime.now()
        insert_entries(
            self.env,
            self.program,
            SQL(
                """
                SELECT %(first)s + g - 1 AS id, p.partner_id, 'adjust' AS kind,
                       p.points, %(date)s AS date, %(date)s AS available_date,
                       %(expiry)s::date AS expiry_date
                  FROM unnest(%(partners)s::int[], %(points)s::numeric[])
                       WITH ORDINALITY AS p(partner_id, points, g)
                """,
                first=first,
                date=fields.Datetime.subtract(now, days=30),
                expiry=fields.Date.add(fields.Date.today(), days=365),
                partners=partners,
                points=[self.half_points * (counts[p] + 1) for p in partners],
            ),
        )
        self.env.invalidate_all()

    def _register(self, invoice, journal, amount):
        vals = {"journal_id": journal.id, "payment_date": fields.Date.today()}
        if amount is not None:
            vals["amount"] = amount
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(vals)._create_payments()
        self._end_request()

    def _pay(self, invoice):
        """Half with points (with a voucher without loyalty_points), the
        rest in the bank journal: two payments, two requests."""
        self._register(invoice, self.first_journal, invoice.amount_total / 2)
        self._register(invoice, self.journal, None)

    def result(self):
        result = super().result()
        # The accrual's own counts: what is checked here is the redemption.
        for key in ("earned", "points", "expected_points"):
            result.pop(key, None)
        if self.program:
            result.update(self._redeem_result())
        return result

    def _redeem_result(self):
        """What the run wrote, from the database: one redeem entry of the half's
        points per invoice, booked against the liability, and balances that are
        the SUM of the ledger."""
        self.env.flush_all()
        invoices = self.invoices
        payments = self.env["account.payment"].search(
            [
                ("journal_id", "=", self.points_journal.id),
                ("invoice_ids", "in", invoices.ids),
            ]
        )
        [(entries, redeemed, wrong, points, earned)] = self.env.execute_query(
            SQL(
                """
                SELECT COALESCE(SUM(n), 0), COUNT(*),
                       COUNT(*) FILTER (WHERE n <> 1 OR points <> -%(half)s),
                       COALESCE(SUM(points), 0),
                       (SELECT COALESCE(SUM(points), 0) FROM loyalty_points_entry
                         WHERE move_id = ANY(%(invoices)s) AND kind = 'earn')
                  FROM (SELECT move_id, COUNT(*) AS n, SUM(points) AS points
                          FROM loyalty_points_entry
                         WHERE kind = 'redeem' AND move_id = ANY(%(invoices)s)
                         GROUP BY move_id) r
                """,
                half=self.half_points,
                invoices=invoices.ids,
            )
        )
        [(booked,)] = self.env.execute_query(
            SQL(
                """SELECT COALESCE(SUM(balance), 0) FROM account_move_line
                    WHERE account_id = %s AND move_id = ANY(%s)""",
                self.env.company.loyalty_points_liability_account_id.id,
                payments.move_id.ids,
            )
        )
        mismatched = balance_mismatches(self.env, self.program, self.customers.ids)
        return {
            "points_payments": len(payments),
            "redeem_entries": int(entries),
            "redeemed_invoices": redeemed,
            "wrong_redemptions": wrong,
            "redeemed_points": -float(points),
            "expected_points": self.half_points * self.size,
            "earned_points": float(earned),
            "liability_booked": float(booked),
            "expected_liability": INVOICE_TOTAL / 2 * self.size,
            "balance_mismatches": mismatched,
        }


def run(env, size):
    return accrual.run(env, size, Workload)
