"""Benchmarks of the issue's speed targets; ``./dev bench`` runs them.

One module per benchmark, each with ``run(env, size)`` that builds its data inside
the current transaction, measures, and returns a dict of measurements; ``SIZES``
gives the full and the small size. ``python -m tests.benchmarks`` runs them in a
database and rolls everything back, so the database can be reused. The Point of
Sale ones (``POS_BENCHMARKS``) run in their own pair of databases, with Odoo's
Point of Sale installed.
"""

POS_BENCHMARKS = ("pos_sync", "pos_session_start", "pos_close")
BENCHMARKS = (
    "accrual",
    "expiry",
    "balance",
    "search",
    "redeem",
    "portal",
    *POS_BENCHMARKS,
)
