"""(b) The nightly expiry job over a ledger of ``size`` entries made with SQL.

Ten entries per customer: 80 % are lots of 100 points earned over the last two years
(those older than a year are past their expiry date, about half of them), 20 % are
redemptions of 30 points, each taken from one lot. The job is timed on its first run,
which expires every lot past its date, and on a second run, which has nothing left to
do. It is ``loyalty.points.entry._cron_expire_points(today=None)`` returning the number
of lots expired; until it exists, the result says it is not available."""

import time

from odoo import fields
from odoo.tools import SQL

from .common import (
    analyze,
    ensure_program,
    insert_allocations,
    insert_entries,
    insert_partners,
    reserve_ids,
)

SIZES = {"full": 1_000_000, "small": 100_000}
TARGET_SECONDS = 30.0


def build(env, size, program=None, name="Benchmark expiry customer "):
    """``size`` entries of new customers named ``name``…: 80 % lots of 100 points
    earned over the last two years (about half past their expiry date), 20 %
    redemptions of 30 points from one lot each, in ``program`` (the benchmark's
    by default). Returns (program, partner ids, lots past their date)."""
    program = program or ensure_program(env)
    partners = insert_partners(env, max(size // 10, 1), name)
    lots = size * 4 // 5
    redeems = size - lots
    first = reserve_ids(env, "loyalty_points_entry", size)
    now = fields.Datetime.now()
    insert_entries(
        env,
        program,
        SQL(
            """
            SELECT %(first)s + g AS id,
                   (%(partners)s::int[])[1 + mod(g, %(count)s)] AS partner_id,
                   'earn' AS kind, 100 AS points,
                   %(now)s - make_interval(days => mod(g, 730), mins => mod(g, 1440))
                       AS date,
                   %(now)s - make_interval(days => mod(g, 730), mins => mod(g, 1440))
                       AS available_date,
                   (%(now)s - make_interval(days => mod(g, 730) - 365))::date
                       AS expiry_date
              FROM generate_series(0, %(lots)s - 1) g
            """,
            first=first,
            partners=partners,
            count=len(partners),
            now=now,
            lots=lots,
        ),
    )
    insert_entries(
        env,
        program,
        SQL(
            """
            SELECT %(first)s + %(lots)s + r AS id, lot.partner_id, 'redeem' AS kind,
                   -30 AS points, lot.date + interval '1 minute' AS date,
                   NULL::timestamp AS available_date, NULL::date AS expiry_date
              FROM generate_series(0, %(redeems)s - 1) r
              JOIN loyalty_points_entry lot ON lot.id = %(first)s + r
            """,
            first=first,
            lots=lots,
            redeems=redeems,
        ),
    )
    insert_allocations(
        env,
        SQL(
            """SELECT %(first)s + %(lots)s + r AS consumer_id, %(first)s + r AS lot_id,
                      30 AS points
                 FROM generate_series(0, %(redeems)s - 1) r""",
            first=first,
            lots=lots,
            redeems=redeems,
        ),
    )
    analyze(env)
    [(expected,)] = env.execute_query(
        SQL(
            """SELECT COUNT(*) FROM loyalty_points_entry
                WHERE id BETWEEN %s AND %s AND points > 0 AND expiry_date < %s""",
            first,
            first + lots - 1,
            env["loyalty.points.entry"]._ledger_today(),
        )
    )
    return program, partners, expected


def run(env, size):
    started = time.perf_counter()
    _program, partners, expected = build(env, size)
    result = {
        "entries": size,
        "partners": len(partners),
        "expected": expected,
        "build_seconds": time.perf_counter() - started,
    }
    Entry = env["loyalty.points.entry"]
    started = time.perf_counter()
    expired = Entry._cron_expire_points(today=None)
    env.flush_all()
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    expired_again = Entry._cron_expire_points(today=None)
    env.flush_all()
    return {
        **result,
        "expired": expired,
        "seconds": seconds,
        "second_run_expired": expired_again,
        "second_run_seconds": time.perf_counter() - started,
    }
