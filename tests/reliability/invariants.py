"""The invariants of the points ledger (DESIGN.md, "Invariants"), checked over the
whole database in a few set-based queries::

    from tests.reliability.invariants import violations

    assert not violations(env), violations(env)

``violations(env, programs=None, now=None)`` returns one human-readable line per
broken invariant (empty when all hold), over every program or over ``programs``
(a recordset or ids). ``now`` is the ledger's clock for what is spendable (the
current time by default, as the addon reads it: ``fields.Datetime.now()``, so a
test that freezes the time checks at the frozen time).

What is checked, each by its own query (``CHECKS``, in this order):

- ``balance``: the balance row (``loyalty_points_balance``) of every customer and
  program is the sum of their ledger entries; no row holds points without them;
  no lot becomes available after its ``pending_until`` (what the bulk reader
  trusts to read the balance alone).
- ``available``: the addon's one rule of what can be spent
  (``loyalty.points.entry._amounts_sql``, the partner's
  ``loyalty_points_available``) equals its definition computed lot by lot: what
  is left of the lots that are available and not past their expiry date, less
  the debt (what negative entries took that no lot covered).
- ``allocation``: an allocation takes a positive amount from a positive lot for a
  negative entry of the same customer and program; a lot never gives more than
  its points, an entry never takes more than its points.
- ``kind``: each kind has its sign, a lot has an available date, a ``reverse``
  names one entry and only a reverse does, no entry is of zero points and zero
  spending, an ``expire`` names its lot.
- ``reverse``: a reversal has the opposite sign of the entry it undoes, the same
  customer and program, and never undoes more than that entry (net of the
  reversals that undo it in turn).
- ``ticket``: the same ticket never earns twice (one live ``earn`` per invoice
  and program, per POS order and program), an invoiced POS order earns as a POS
  order only, a payment (invoice or POS) takes or gives its points once.
- ``expiry``: an ``expire`` entry takes exactly what was left of its own lot and
  nothing else (with ``allocation``: it never took spent points).
- ``overspent``: what was spent online (a redemption outside the POS, a manual
  deduction, an expiry) was covered by lots: only a reversal (a refund after the
  points were spent) and a POS order synced after selling offline may leave a
  debt.
- ``books``: for every centre with a points liability account, the account's
  posted balance is the value of its booked outstanding points: every entry less
  those the nightly booking has not booked yet
  (``loyalty.points.program._books_unbooked_sql``) and the counter's points
  payments of sessions not closed yet (the session close books them). Centres
  with a program in another currency than the centre's are not checked (the
  conversion rates of the day each movement was booked are not in the ledger).
  Each booking and payment rounds to the cent: the tolerance is half a cent per
  journal entry on the account.
"""

from odoo import fields
from odoo.tools import SQL

# Points have 2 digits (decimal precision "Loyalty Points").
EPSILON = 0.005


def violations(env, programs=None, now=None):
    """The broken invariants, one line each; [] when all hold."""
    env.flush_all()
    if programs is not None:
        ids = list(programs.ids if hasattr(programs, "ids") else programs)
        if not ids:
            return []
    else:
        ids = None
    now = now or fields.Datetime.now()
    context = _Context(env, ids, now)
    found = []
    for check in CHECKS:
        found += check(context)
    return found


class _Context:
    def __init__(self, env, program_ids, now):
        self.env = env
        self.program_ids = program_ids
        self.now = now
        self.today = fields.Date.to_date(now)
        self.pos = _has_column(env, "loyalty_points_entry", "pos_order_id")

    def programs(self, alias):
        """SQL condition: the column ``alias.program_id`` is a checked program."""
        if self.program_ids is None:
            return SQL("TRUE")
        return SQL(
            "%s = ANY(%s)", SQL.identifier(alias, "program_id"), self.program_ids
        )

    def rows(self, query):
        return self.env.execute_query(query)


def _has_column(env, table, column):
    env.cr.execute(
        "SELECT 1 FROM information_schema.columns "
        "WHERE table_name = %s AND column_name = %s",
        [table, column],
    )
    return bool(env.cr.fetchone())


def _n(value):
    return round(float(value or 0.0), 4)


# A CTE of every entry's net points and spending after its reversals: its own,
# plus those of the reversals naming it, each net of the reversals naming them
# (a ticket's drop is undone by a rise naming the drop).
_NET = SQL(
    """
    undo2 AS (
        SELECT reversed_entry_id AS id, SUM(points) AS points,
               SUM(amount_basis) AS basis
          FROM loyalty_points_entry
         WHERE reversed_entry_id IS NOT NULL
         GROUP BY reversed_entry_id
    ),
    undo AS (
        SELECT r.reversed_entry_id AS id,
               SUM(r.points + COALESCE(u.points, 0)) AS points,
               SUM(COALESCE(r.amount_basis, 0) + COALESCE(u.basis, 0)) AS basis
          FROM loyalty_points_entry r
          LEFT JOIN undo2 u ON u.id = r.id
         WHERE r.reversed_entry_id IS NOT NULL
         GROUP BY r.reversed_entry_id
    ),
    net AS (
        SELECT e.id, e.points + COALESCE(u.points, 0) AS points,
               COALESCE(e.amount_basis, 0) + COALESCE(u.basis, 0) AS basis,
               COALESCE(u.points, 0) AS undone
          FROM loyalty_points_entry e
          LEFT JOIN undo u ON u.id = e.id
    )
    """
)


def check_balance(ctx):
    rows = ctx.rows(
        SQL(
            """
            WITH ledger AS (
                SELECT e.partner_id, e.program_id, SUM(e.points) AS points
                  FROM loyalty_points_entry e
                 WHERE %(entries)s
                 GROUP BY e.partner_id, e.program_id
            ),
            balance AS (
                SELECT b.partner_id, b.program_id, b.points
                  FROM loyalty_points_balance b
                 WHERE %(balances)s
            )
            SELECT COALESCE(l.partner_id, b.partner_id),
                   COALESCE(l.program_id, b.program_id), l.points, b.points
              FROM ledger l
              FULL JOIN balance b
                ON b.partner_id = l.partner_id AND b.program_id = l.program_id
             WHERE ABS(COALESCE(l.points, 0) - COALESCE(b.points, 0)) > %(eps)s
             ORDER BY 1, 2
            """,
            entries=ctx.programs("e"),
            balances=ctx.programs("b"),
            eps=EPSILON,
        )
    )
    found = [
        f"balance: partner {partner} program {program}: the balance row holds "
        f"{_n(row)} points, the ledger sums to {_n(ledger)}"
        for partner, program, ledger, row in rows
    ]
    rows = ctx.rows(
        SQL(
            """
            SELECT e.partner_id, e.program_id, MAX(e.available_date),
                   b.pending_until
              FROM loyalty_points_entry e
              LEFT JOIN loyalty_points_balance b
                ON b.partner_id = e.partner_id AND b.program_id = e.program_id
             WHERE e.points > 0 AND %(entries)s
             GROUP BY e.partner_id, e.program_id, b.pending_until
            HAVING b.pending_until IS NULL
                OR MAX(e.available_date) > b.pending_until
             ORDER BY 1, 2
            """,
            entries=ctx.programs("e"),
        )
    )
    found += [
        f"balance: partner {partner} program {program}: a lot becomes available "
        f"on {latest}, after the balance row's pending_until ({until})"
        for partner, program, latest, until in rows
    ]
    return found


def check_available(ctx):
    Entry = ctx.env["loyalty.points.entry"]
    _balance, _pending, available = Entry._amounts_sql(
        SQL("pairs.partner_id"), SQL("pairs.program_id"), now=ctx.now
    )
    rows = ctx.rows(
        SQL(
            """
            WITH taken AS (
                SELECT lot_id, SUM(points) AS points
                  FROM loyalty_points_allocation GROUP BY lot_id
            ),
            given AS (
                SELECT consumer_id, SUM(points) AS points
                  FROM loyalty_points_allocation GROUP BY consumer_id
            ),
            per_entry AS (
                SELECT e.partner_id, e.program_id,
                       CASE WHEN e.points > 0
                             AND e.available_date <= %(now)s
                             AND (e.expiry_date IS NULL
                                  OR e.expiry_date >= %(today)s)
                            THEN e.points - COALESCE(t.points, 0)
                            ELSE 0 END AS spendable,
                       CASE WHEN e.points < 0
                            THEN -e.points - COALESCE(g.points, 0)
                            ELSE 0 END AS debt
                  FROM loyalty_points_entry e
                  LEFT JOIN taken t ON t.lot_id = e.id
                  LEFT JOIN given g ON g.consumer_id = e.id
                 WHERE %(entries)s
            ),
            pairs AS (
                SELECT partner_id, program_id,
                       SUM(spendable) - SUM(debt) AS expected
                  FROM per_entry
                 GROUP BY partner_id, program_id
            )
            SELECT pairs.partner_id, pairs.program_id, pairs.expected, actual
              FROM pairs
              LEFT JOIN loyalty_points_balance b
                ON b.partner_id = pairs.partner_id
               AND b.program_id = pairs.program_id
              CROSS JOIN LATERAL (SELECT %(available)s AS actual) a
             WHERE ABS(pairs.expected - actual) > %(eps)s
             ORDER BY 1, 2
            """,
            now=ctx.now,
            today=ctx.today,
            entries=ctx.programs("e"),
            available=available,
            eps=EPSILON,
        )
    )
    return [
        f"available: partner {partner} program {program}: the spendable rule "
        f"(_amounts_sql) gives {_n(actual)} points, the lots give {_n(expected)}"
        for partner, program, expected, actual in rows
    ]


def check_allocation(ctx):
    found = []
    rows = ctx.rows(
        SQL(
            """
            SELECT a.id, c.id, c.kind, c.points, l.id, l.points, a.points,
                   c.partner_id = l.partner_id, c.program_id = l.program_id
              FROM loyalty_points_allocation a
              JOIN loyalty_points_entry c ON c.id = a.consumer_id
              JOIN loyalty_points_entry l ON l.id = a.lot_id
             WHERE %(entries)s
               AND (a.points <= 0 OR c.points >= 0 OR l.points <= 0
                    OR c.partner_id <> l.partner_id
                    OR c.program_id <> l.program_id)
             ORDER BY a.id
            """,
            entries=ctx.programs("c"),
        )
    )
    found += [
        f"allocation {alloc}: entry {consumer} ({kind} {_n(cpoints)}) takes "
        f"{_n(points)} from lot {lot} ({_n(lpoints)})"
        + ("" if same_partner else ", of another customer")
        + ("" if same_program else ", of another program")
        for (
            alloc,
            consumer,
            kind,
            cpoints,
            lot,
            lpoints,
            points,
            same_partner,
            same_program,
        ) in rows
    ]
    rows = ctx.rows(
        SQL(
            """
            SELECT l.id, l.kind, l.points, SUM(a.points)
              FROM loyalty_points_allocation a
              JOIN loyalty_points_entry l ON l.id = a.lot_id
             WHERE %(entries)s
             GROUP BY l.id
            HAVING SUM(a.points) > l.points + %(eps)s
             ORDER BY l.id
            """,
            entries=ctx.programs("l"),
            eps=EPSILON,
        )
    )
    found += [
        f"allocation: lot {lot} ({kind} {_n(points)}) gave {_n(taken)} points, "
        "more than it holds"
        for lot, kind, points, taken in rows
    ]
    rows = ctx.rows(
        SQL(
            """
            SELECT c.id, c.kind, c.points, SUM(a.points)
              FROM loyalty_points_allocation a
              JOIN loyalty_points_entry c ON c.id = a.consumer_id
             WHERE %(entries)s
             GROUP BY c.id
            HAVING SUM(a.points) > -c.points + %(eps)s
             ORDER BY c.id
            """,
            entries=ctx.programs("c"),
            eps=EPSILON,
        )
    )
    found += [
        f"allocation: entry {entry} ({kind} {_n(points)}) took {_n(taken)} points "
        "from lots, more than its own"
        for entry, kind, points, taken in rows
    ]
    return found


def check_kind(ctx):
    rows = ctx.rows(
        SQL(
            """
            SELECT e.id, e.kind, e.points, e.amount_basis,
                   CASE
                    WHEN e.kind IN ('earn', 'referral', 'grant', 'refund')
                         AND e.points < 0 THEN 'is negative'
                    WHEN e.kind IN ('redeem', 'expire') AND e.points > 0
                         THEN 'is positive'
                    WHEN e.kind NOT IN ('earn', 'referral', 'grant', 'adjust',
                                        'redeem', 'refund', 'expire', 'reverse')
                         THEN 'is of no known kind'
                    WHEN (e.kind = 'reverse') <> (e.reversed_entry_id IS NOT NULL)
                         THEN 'names a reversed entry unless it is a reversal'
                    WHEN e.points = 0 AND COALESCE(e.amount_basis, 0) = 0
                         THEN 'is of zero points'
                    WHEN e.points > 0 AND e.available_date IS NULL
                         THEN 'is a lot without an available date'
                    WHEN e.kind = 'expire' AND e.expired_lot_id IS NULL
                         THEN 'expires no lot'
                    WHEN e.kind <> 'expire' AND e.expired_lot_id IS NOT NULL
                         THEN 'names an expired lot but is no expiry'
                   END
              FROM loyalty_points_entry e
             WHERE %(entries)s
               AND (   (e.kind IN ('earn', 'referral', 'grant', 'refund')
                        AND e.points < 0)
                    OR (e.kind IN ('redeem', 'expire') AND e.points > 0)
                    OR e.kind NOT IN ('earn', 'referral', 'grant', 'adjust',
                                      'redeem', 'refund', 'expire', 'reverse')
                    OR (e.kind = 'reverse') <> (e.reversed_entry_id IS NOT NULL)
                    OR (e.points = 0 AND COALESCE(e.amount_basis, 0) = 0)
                    OR (e.points > 0 AND e.available_date IS NULL)
                    OR (e.kind = 'expire') <> (e.expired_lot_id IS NOT NULL))
             ORDER BY e.id
            """,
            entries=ctx.programs("e"),
        )
    )
    return [
        f"kind: entry {entry} ({kind} {_n(points)}) {problem}"
        for entry, kind, points, _basis, problem in rows
    ]


def check_reverse(ctx):
    found = []
    rows = ctx.rows(
        SQL(
            """
            SELECT e.id, e.points, r.id, r.kind, r.points,
                   e.partner_id = r.partner_id, e.program_id = r.program_id
              FROM loyalty_points_entry e
              JOIN loyalty_points_entry r ON r.id = e.reversed_entry_id
             WHERE %(entries)s
               AND (e.points * r.points > 0 OR ABS(e.points) > ABS(r.points) + %(eps)s
                    OR e.partner_id <> r.partner_id OR e.program_id <> r.program_id)
             ORDER BY e.id
            """,
            entries=ctx.programs("e"),
            eps=EPSILON,
        )
    )
    for entry, points, rid, rkind, rpoints, same_partner, same_program in rows:
        problems = []
        if points * rpoints > 0:
            problems.append("has the same sign")
        if abs(points) > abs(rpoints) + EPSILON:
            problems.append("undoes more than it")
        if not same_partner:
            problems.append("is of another customer")
        if not same_program:
            problems.append("is of another program")
        found.append(
            f"reverse: entry {entry} ({_n(points)}) reverses entry {rid} "
            f"({rkind} {_n(rpoints)}) and " + " and ".join(problems)
        )
    rows = ctx.rows(
        SQL(
            """
            WITH %(net)s
            SELECT e.id, e.kind, e.points, n.undone
              FROM loyalty_points_entry e
              JOIN net n ON n.id = e.id
             WHERE %(entries)s AND n.undone <> 0
               AND (e.points * n.undone > 0
                    OR ABS(n.undone) > ABS(e.points) + %(eps)s)
             ORDER BY e.id
            """,
            net=_NET,
            entries=ctx.programs("e"),
            eps=EPSILON,
        )
    )
    found += [
        f"reverse: entry {entry} ({kind} {_n(points)}) is undone by {_n(undone)} "
        "points, more than it holds or of its own sign"
        for entry, kind, points, undone in rows
    ]
    return found


def _live_twice(ctx, column, kinds, what):
    rows = ctx.rows(
        SQL(
            """
            WITH %(net)s
            SELECT e.program_id, %(column)s, COUNT(*), ARRAY_AGG(e.id ORDER BY e.id)
              FROM loyalty_points_entry e
              JOIN net n ON n.id = e.id
             WHERE %(entries)s AND %(column)s IS NOT NULL AND e.kind IN %(kinds)s
               AND (ABS(n.points) > %(eps)s OR ABS(n.basis) > 0.00005)
             GROUP BY e.program_id, %(column)s
            HAVING COUNT(*) > 1
             ORDER BY 1, 2
            """,
            net=_NET,
            column=SQL.identifier("e", column),
            entries=ctx.programs("e"),
            kinds=tuple(kinds),
            eps=EPSILON,
        )
    )
    return [
        f"ticket: {what} {document} counts {count} times in program {program} "
        f"(entries {', '.join(map(str, ids))})"
        for program, document, count, ids in rows
    ]


def check_ticket(ctx):
    found = _live_twice(ctx, "move_id", ["earn"], "invoice earned; invoice")
    found += _live_twice(
        ctx, "payment_id", ["redeem", "refund"], "points payment; payment"
    )
    if ctx.pos:
        found += _live_twice(ctx, "pos_order_id", ["earn"], "POS order earned; order")
        found += _live_twice(
            ctx, "pos_payment_id", ["redeem", "refund"], "POS points payment; payment"
        )
        rows = ctx.rows(
            SQL(
                """
                WITH %(net)s
                SELECT e.id, e.move_id, o.id
                  FROM loyalty_points_entry e
                  JOIN net n ON n.id = e.id
                  JOIN pos_order o ON o.account_move = e.move_id
                 WHERE %(entries)s AND e.kind = 'earn'
                   AND (ABS(n.points) > %(eps)s OR ABS(n.basis) > 0.00005)
                 ORDER BY e.id
                """,
                net=_NET,
                entries=ctx.programs("e"),
                eps=EPSILON,
            )
        )
        found += [
            f"ticket: entry {entry} earns on invoice {move} of POS order {order}, "
            "which earns as an order"
            for entry, move, order in rows
        ]
    return found


def check_expiry(ctx):
    rows = ctx.rows(
        SQL(
            """
            WITH taken AS (
                SELECT e.id,
                       SUM(CASE WHEN a.lot_id = e.expired_lot_id
                                THEN a.points ELSE 0 END) AS own,
                       SUM(CASE WHEN a.lot_id <> e.expired_lot_id
                                THEN a.points ELSE 0 END) AS other
                  FROM loyalty_points_entry e
                  JOIN loyalty_points_allocation a ON a.consumer_id = e.id
                 WHERE e.kind = 'expire'
                 GROUP BY e.id
            )
            SELECT e.id, e.points, e.expired_lot_id, l.expiry_date,
                   COALESCE(t.own, 0), COALESCE(t.other, 0),
                   l.partner_id = e.partner_id AND l.program_id = e.program_id
              FROM loyalty_points_entry e
              JOIN loyalty_points_entry l ON l.id = e.expired_lot_id
              LEFT JOIN taken t ON t.id = e.id
             WHERE %(entries)s AND e.kind = 'expire'
               AND (ABS(COALESCE(t.own, 0) + e.points) > %(eps)s
                    OR COALESCE(t.other, 0) <> 0
                    OR l.expiry_date IS NULL
                    OR l.partner_id <> e.partner_id
                    OR l.program_id <> e.program_id)
             ORDER BY e.id
            """,
            entries=ctx.programs("e"),
            eps=EPSILON,
        )
    )
    return [
        f"expiry: entry {entry} expires {_n(-points)} points of lot {lot} "
        f"(expiry date {expiry}) but took {_n(own)} from it and {_n(other)} from "
        "other lots" + ("" if same else ", and the lot is another customer's")
        for entry, points, lot, expiry, own, other, same in rows
    ]


def check_overspent(ctx):
    pos = SQL("e.pos_order_id IS NULL") if ctx.pos else SQL("TRUE")
    rows = ctx.rows(
        SQL(
            """
            SELECT e.id, e.kind, e.points, COALESCE(SUM(a.points), 0)
              FROM loyalty_points_entry e
              LEFT JOIN loyalty_points_allocation a ON a.consumer_id = e.id
             WHERE %(entries)s AND e.points < 0
               AND (e.kind IN ('adjust', 'expire') OR (e.kind = 'redeem' AND %(pos)s))
             GROUP BY e.id
            HAVING -e.points - COALESCE(SUM(a.points), 0) > %(eps)s
             ORDER BY e.id
            """,
            entries=ctx.programs("e"),
            pos=pos,
            eps=EPSILON,
        )
    )
    return [
        f"overspent: entry {entry} ({kind} {_n(points)}) was covered by lots for "
        f"{_n(covered)} points only: it spent points that were not available"
        for entry, kind, points, covered in rows
    ]


def check_books(ctx):
    Program = ctx.env["loyalty.points.program"]
    # The counter's points payments are booked when their session closes.
    if ctx.pos:
        open_session = SQL(
            """OR e.id IN (
                   SELECT p.id FROM loyalty_points_entry p
                     JOIN pos_payment pp ON pp.id = p.pos_payment_id
                     JOIN pos_session s ON s.id = pp.session_id
                    WHERE s.state <> 'closed')"""
        )
    else:
        open_session = SQL("")
    if ctx.program_ids is None:
        companies = SQL("TRUE")
    else:
        companies = SQL(
            """c.id IN (SELECT res_company_id
                          FROM loyalty_points_program_res_company_rel
                         WHERE loyalty_points_program_id = ANY(%s))""",
            ctx.program_ids,
        )
    rows = ctx.rows(
        SQL(
            """
            WITH unbooked AS (%(unbooked)s),
            booked AS (
                SELECT e.company_id,
                       SUM(e.points * p.point_value) AS value,
                       BOOL_OR(p.currency_id <> c.currency_id) AS foreign_currency
                  FROM loyalty_points_entry e
                  JOIN loyalty_points_program p ON p.id = e.program_id
                  JOIN res_company c ON c.id = e.company_id
                 WHERE NOT (e.id IN (SELECT id FROM unbooked) %(open_session)s)
                 GROUP BY e.company_id
            ),
            liability AS (
                SELECT l.company_id, -SUM(l.balance) AS balance,
                       COUNT(DISTINCT l.move_id) AS moves
                  FROM account_move_line l
                  JOIN res_company c
                    ON c.id = l.company_id
                   AND c.loyalty_points_liability_account_id = l.account_id
                 WHERE l.parent_state = 'posted'
                 GROUP BY l.company_id
            )
            SELECT c.id, c.name, COALESCE(b.value, 0), COALESCE(l.balance, 0),
                   COALESCE(l.moves, 0)
              FROM res_company c
              LEFT JOIN booked b ON b.company_id = c.id
              LEFT JOIN liability l ON l.company_id = c.id
             WHERE c.loyalty_points_liability_account_id IS NOT NULL
               AND %(companies)s
               AND NOT COALESCE(b.foreign_currency, FALSE)
               AND ABS(COALESCE(b.value, 0) - COALESCE(l.balance, 0))
                   > 0.01 + 0.005 * COALESCE(l.moves, 0)
             ORDER BY c.id
            """,
            unbooked=Program._books_unbooked_sql(),
            open_session=open_session,
            companies=companies,
        )
    )
    return [
        f"books: centre {company_id} ({name}): the points liability account holds "
        f"{round(float(liability), 2)}, the booked outstanding points are worth "
        f"{round(float(value), 4)}"
        for company_id, name, value, liability, _moves in rows
    ]


CHECKS = [
    check_balance,
    check_available,
    check_allocation,
    check_kind,
    check_reverse,
    check_ticket,
    check_expiry,
    check_overspent,
    check_books,
]
