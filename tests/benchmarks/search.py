"""(d) Searching the customers whose balance is at least N among ``size`` customers.

Every customer has two lots of 1 to 600 points (``size`` * 2 entries made with SQL);
N = 900 matches a small share of them (the result gives how many). The measure is
``res.partner.search([("loyalty_points_balance", ">=", N)])`` after invalidating the
cache, the median of several searches; the result is checked against the ledger.
The same search on the available points is measured beside it."""

import time

from odoo import fields
from odoo.tools import SQL

from .common import (
    analyze,
    ensure_program,
    entry_sum,
    insert_entries,
    insert_partners,
    median,
    reserve_ids,
    timed,
)

SIZES = {"full": 100_000, "small": 10_000}
TARGET_MS = 200.0
THRESHOLD = 900.0
SEARCHES = 7


def build(env, size):
    program = ensure_program(env)
    partners = insert_partners(env, size, "Benchmark search customer ")
    first = reserve_ids(env, "loyalty_points_entry", 2 * size)
    insert_entries(
        env,
        program,
        SQL(
            """
            SELECT %(first)s + g AS id,
                   (%(partners)s::int[])[1 + mod(g, %(count)s)] AS partner_id,
                   'earn' AS kind, 1 + mod(g::bigint * 7919, 600) AS points,
                   %(now)s - make_interval(days => mod(g, 300)) AS date,
                   %(now)s - make_interval(days => mod(g, 300)) AS available_date,
                   (%(now)s - make_interval(days => mod(g, 300) - 365))::date
                       AS expiry_date
              FROM generate_series(0, 2 * %(count)s - 1) g
            """,
            first=first,
            partners=partners,
            count=len(partners),
            now=fields.Datetime.now(),
        ),
    )
    analyze(env)
    return partners


def run(env, size):
    started = time.perf_counter()
    partners = build(env, size)
    build_seconds = time.perf_counter() - started
    Partner = env["res.partner"]

    def search():
        env.invalidate_all()
        return Partner.search([("loyalty_points_balance", ">=", THRESHOLD)])

    def search_available():
        env.invalidate_all()
        return Partner.search([("loyalty_points_available", ">=", THRESHOLD)])

    found, times = timed(search, SEARCHES)
    # Every lot here is available and not past its date: the same customers.
    found_available, available_times = timed(search_available, SEARCHES)
    expected = {
        partner_id
        for partner_id, points in entry_sum(env, partners).items()
        if points >= THRESHOLD
    }
    ours = set(found.ids) & set(partners)
    return {
        "partners": size,
        "threshold": THRESHOLD,
        "found": len(ours),
        "expected": len(expected),
        "exact": ours == expected,
        "exact_available": set(found_available.ids) & set(partners) == expected,
        "available_median_ms": median(available_times),
        "total_found": len(found),
        "median_ms": median(times),
        "max_ms": max(times),
        "searches": SEARCHES,
        "build_seconds": build_seconds,
    }
