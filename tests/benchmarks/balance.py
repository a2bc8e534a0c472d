"""(c) Reading the balance of a customer who has ``size`` ledger entries.

90 % of the entries are lots earned over two years (the ten newest still pending),
10 % are redemptions of 5 points each taken from one lot. The measure is
``partner.loyalty_points_balance`` read after invalidating the partner's cache (the
balance is computed again from the database), the median of several reads; the same
after invalidating the whole cache (a new request: the program is read again too) is
given beside it."""

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

    cold_read()
    balance, times = timed(read, READS)
    _balance, cold_times = timed(cold_read, READS)
    return {
        "entries": size,
        "balance": balance,
        "expected": entry_sum(env, partner.ids).get(partner.id, 0.0),
        "pending": partner.loyalty_points_pending,
        "median_ms": median(times),
        "max_ms": max(times),
        "cold_median_ms": median(cold_times),
        "reads": READS,
        "build_seconds": build_seconds,
    }
