"""(c) Reading the balance of a customer who has ``size`` ledger entries.

90 % of the entries are lots earned over two years (the ten newest still pending),
10 % are redemptions of 5 points each taken from one lot; the nightly expiry job has
written off what was left of the lots past their expiry date, as it does in a live
database (about half of them: ``size`` / 2 more entries). The measure is
``partner.loyalty_points_balance`` read after invalidating the partner's cache (the
balance, pending and available points are computed again from the database, in one
query), the median of several reads; the same after invalidating the whole cache (a
new request: the program is read again too) is given beside it, and so is the read
before the job had ever run (every lot past its date is then looked at). The
available points are checked against their definition, summed lot by lot."""

import time

from odoo import fields
from odoo.tools import SQL

from .common import (
    analyze,
    ensure_program,
    entry_sum,
    insert_allocations,
    insert_entries,
    insert_partners,
    median,
    reserve_ids,
    timed,
)

SIZES = {"full": 100_000, "small": 10_000}
TARGET_MS = 2.0
READS = 21


def build(env, size):
    program = ensure_program(env)
    # The nightly expiry has never run for this program (see run()).
    program.expiry_done_date = False
    [partner_id] = insert_partners(env, 1, "Benchmark balance customer ")
    lots = size - size // 10
    redeems = size - lots
    first = reserve_ids(env, "loyalty_points_entry", size)
    insert_entries(
        env,
        program,
        SQL(
            """
            SELECT %(first)s + g AS id, %(partner)s AS partner_id, 'earn' AS kind,
                   10 + mod(g, 5) AS points,
                   %(now)s - make_interval(days => mod(g, 700), mins => 10) AS date,
                   CASE WHEN g < 10 THEN %(now)s + interval '1 day'
                        ELSE %(now)s - make_interval(days => mod(g, 700), mins => 10)
                   END AS available_date,
                   (%(now)s - make_interval(days => mod(g, 700) - 365))::date
                       AS expiry_date
              FROM generate_series(0, %(lots)s - 1) g
            """,
            first=first,
            partner=partner_id,
            now=fields.Datetime.now(),
            lots=lots,
        ),
    )
    insert_entries(
        env,
        program,
        SQL(
            """
            SELECT %(first)s + %(lots)s + r AS id, %(partner)s AS partner_id,
                   'redeem' AS kind, -5 AS points, %(now)s AS date,
                   NULL::timestamp AS available_date, NULL::date AS expiry_date
              FROM generate_series(0, %(redeems)s - 1) r
            """,
            first=first,
            lots=lots,
            partner=partner_id,
            now=fields.Datetime.now(),
            redeems=redeems,
        ),
    )
    insert_allocations(
        env,
        SQL(
            """SELECT %(first)s + %(lots)s + r AS consumer_id,
                      %(first)s + 10 + r AS lot_id, 5 AS points
                 FROM generate_series(0, %(redeems)s - 1) r""",
            first=first,
            lots=lots,
            redeems=redeems,
        ),
    )
    analyze(env)
    return env["res.partner"].browse(partner_id)


def expected_available(env, partner):
    """The available points by their definition, lot by lot: what is left of the
    lots that are available and not past their expiry date, less any debt."""
    now = fields.Datetime.now()
    [(spendable, left, balance)] = env.execute_query(
        SQL(
            """
            SELECT COALESCE(SUM(left_) FILTER (WHERE available_date <= %(now)s
                       AND (expiry_date IS NULL OR expiry_date >= %(today)s)), 0),
                   COALESCE(SUM(left_), 0),
                   (SELECT COALESCE(SUM(points), 0) FROM loyalty_points_entry
                     WHERE partner_id = %(partner)s)
              FROM (SELECT e.available_date, e.expiry_date,
                           e.points - COALESCE(SUM(a.points), 0) AS left_
                      FROM loyalty_points_entry e
                      LEFT JOIN loyalty_points_allocation a ON a.lot_id = e.id
                     WHERE e.partner_id = %(partner)s AND e.points > 0
                     GROUP BY e.id) lots
            """,
            now=now,
            today=now.date(),
            partner=partner.id,
        )
    )
    return float(spendable) - max(float(left) - float(balance), 0.0)


def run(env, size):
    started = time.perf_counter()
    partner = build(env, size)
    build_seconds = time.perf_counter() - started

    def read():
        partner.invalidate_recordset()
        return partner.loyalty_points_balance

    def cold_read():
        env.invalidate_all()
        return partner.loyalty_points_balance

    # Before the nightly job ever ran: every lot past its date is looked at.
    cold_read()
    _balance, unexpired_times = timed(read, READS)
    unexpired_available = partner.loyalty_points_available
    unexpired_expected = expected_available(env, partner)
    # As in a live database: the job has written off the lots past their date.
    started = time.perf_counter()
    expired_lots = env["loyalty.points.entry"]._cron_expire_points()
    expiry_seconds = time.perf_counter() - started
    analyze(env)
    cold_read()
    balance, times = timed(read, READS)
    _balance, cold_times = timed(cold_read, READS)
    [(entries,)] = env.execute_query(
        SQL(
            "SELECT COUNT(*) FROM loyalty_points_entry WHERE partner_id = %s",
            partner.id,
        )
    )
    return {
        "entries": entries,
        "expired_lots": expired_lots,
        "expiry_seconds": expiry_seconds,
        "balance": balance,
        "expected": entry_sum(env, partner.ids).get(partner.id, 0.0),
        "pending": partner.loyalty_points_pending,
        "available": partner.loyalty_points_available,
        "expected_available": expected_available(env, partner),
        "unexpired_available": unexpired_available,
        "unexpired_expected_available": unexpired_expected,
        "median_ms": median(times),
        "max_ms": max(times),
        "cold_median_ms": median(cold_times),
        "unexpired_median_ms": median(unexpired_times),
        "reads": READS,
        "build_seconds": build_seconds,
    }
