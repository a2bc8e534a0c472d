"""Run the benchmarks in a database, or print the report of a run.

    python -m tests.benchmarks --db DB --config ODOO_CONF [--baseline-db BASE_DB]
                               [--size full|small] [--only NAME ...] --output RESULTS
    python -m tests.benchmarks --report RESULTS

With ``--baseline-db`` (a database without loyalty_points), the benchmarks that define
``interleaved`` (accrual, redeem) run the same work in both databases turn about,
invoice by invoice, in this one process,
so that the load of the machine weighs on both alike. Each benchmark runs in its own
transaction, rolled back at its end: the databases are left as they were and can be
reused. ``./dev bench`` calls both forms.
"""

import argparse
import contextlib
import importlib
import json
import sys
import time

from . import BENCHMARKS
from .report import report_lines


@contextlib.contextmanager
def _environment(registry):
    """A superuser environment in a transaction that is rolled back at the end."""
    import odoo

    cr = registry.cursor()
    try:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    finally:
        cr.rollback()
        # What the registry's caches learnt in the transaction goes with it, as
        # after a failed request (the program of a company, for one).
        registry.reset_changes()
        cr.close()


def run_benchmarks(args):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.db])
    registry = Registry(args.db)
    baseline_registry = Registry(args.baseline_db) if args.baseline_db else None
    results, baseline = {}, {}
    for name in args.only or BENCHMARKS:
        module = importlib.import_module(f"{__package__}.{name}")
        size = module.SIZES[args.size]
        where = f"'{args.db}'"
        turn_about = baseline_registry and hasattr(module, "interleaved")
        if turn_about:
            where += f" and '{args.baseline_db}' turn about"
        print(f"bench: {name} at size {size} in {where}...", flush=True)
        started = time.monotonic()
        with _environment(registry) as env:
            if turn_about:
                with _environment(baseline_registry) as baseline_env:
                    results[name], baseline[name] = module.interleaved(
                        env, baseline_env, size
                    )
            else:
                results[name] = module.run(env, size)
        print(
            f"bench: {name} done in {time.monotonic() - started:.0f} s "
            "(building its data included; rolled back)",
            flush=True,
        )
    with open(args.output, "w", encoding="utf-8") as handle:
        json.dump(
            {"size": args.size, "results": results, "baseline": baseline},
            handle,
            indent=1,
        )
    return 0


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks")
    parser.add_argument("--db", help="a database with loyalty_points")
    parser.add_argument("--config", help="Odoo's configuration file")
    parser.add_argument("--baseline-db", help="the same without loyalty_points")
    parser.add_argument("--size", choices=("full", "small"), default="full")
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS)
    parser.add_argument("--output", help="where to write the results (JSON)")
    parser.add_argument("--report", help="print the report of these results")
    args = parser.parse_args(argv)
    if args.report:
        with open(args.report, encoding="utf-8") as handle:
            for line in report_lines(json.load(handle)):
                print(line)
        return 0
    if not (args.db and args.config and args.output):
        parser.error("--db, --config and --output are needed to run benchmarks")
    return run_benchmarks(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
