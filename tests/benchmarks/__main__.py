"""Run the benchmarks in a database, or print the report of a run.

    python -m tests.benchmarks --config ODOO_CONF [--db DB [--baseline-db BASE_DB]]
                               [--pos-db POS_DB [--pos-baseline-db POS_BASE_DB]]
                               [--size full|small] [--only NAME ...] --output RESULTS
    python -m tests.benchmarks --report RESULTS

The Point of Sale benchmarks (``POS_BENCHMARKS``) run in ``--pos-db`` (Point of Sale
and loyalty_points_pos), the others in ``--db`` (loyalty_points). With a baseline
database (``--baseline-db``: without loyalty_points; ``--pos-baseline-db``: the Point
of Sale without any loyalty addon), the benchmarks that define a ``Workload``
(accrual, redeem, portal and the Point of Sale ones) run the same work in both databases
turn about, invoice by invoice or order by order, so that the load of the machine
weighs on both alike, each database in a process of its own (``turnabout``). Each
benchmark runs in its own transaction, rolled back at its end: the databases are left
as they were and can be reused. ``./dev bench`` calls both forms.
"""

import argparse
import importlib
import json
import sys
import time

from . import BENCHMARKS, POS_BENCHMARKS
from .report import report_lines
from .turnabout import environment, in_processes, vacuum


def run_benchmarks(args):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.db or args.pos_db])
    registries = {}

    def registry_of(dbname):
        """The registry of ``dbname``, loaded once, when a benchmark needs it."""
        if dbname and dbname not in registries:
            registries[dbname] = Registry(dbname)
        return registries.get(dbname)

    results, baseline = {}, {}
    for name in args.only or BENCHMARKS:
        module = importlib.import_module(f"{__package__}.{name}")
        size = module.SIZES[args.size]
        dbname, baseline_db = (
            (args.pos_db, args.pos_baseline_db)
            if name in POS_BENCHMARKS
            else (args.db, args.baseline_db)
        )
        if not dbname:
            sys.exit(
                f"bench: {name} needs "
                f"{'--pos-db' if name in POS_BENCHMARKS else '--db'}"
            )
        where = f"'{dbname}'"
        turn_about = baseline_db and hasattr(module, "Workload")
        if turn_about:
            where += f" and '{baseline_db}' turn about"
        print(f"bench: {name} at size {size} in {where}...", flush=True)
        started = time.monotonic()
        if turn_about:
            pairs = []
            for pair in range(getattr(module, "PAIRS", 1)):
                vacuum(dbname)
                vacuum(baseline_db)
                pairs.append(
                    in_processes(
                        module.__name__, args.config, dbname, baseline_db, size, pair
                    )
                )
            if len(pairs) == 1:
                results[name], baseline[name] = pairs[0]
            else:
                results[name] = module.combine([ours for ours, _base in pairs])
                baseline[name] = module.combine([base for _ours, base in pairs])
            if results[name].get("pinned_cpu") is None:
                print(
                    f"bench: {name}: the processes and their PostgreSQL backends "
                    "could not be pinned to one CPU (PostgreSQL on another "
                    "machine, or no right to): its ratio varies more from run "
                    "to run",
                    flush=True,
                )
        else:
            vacuum(dbname)
            with environment(registry_of(dbname)) as env:
                results[name] = module.run(env, size)
        print(
            f"bench: {name} done in {time.monotonic() - started:.0f} s "
            "(building its data included; rolled back)",
            flush=True,
        )
        # After each one: a run cut short (a time limit) keeps what it measured,
        # and its report (--report) says so.
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump(
                {"size": args.size, "results": results, "baseline": baseline},
                handle,
                indent=1,
            )
        done = {
            "size": args.size,
            "results": {name: results[name]},
            "baseline": {name: baseline[name]} if name in baseline else {},
        }
        for line in report_lines(done):
            print(f"bench: {line}", flush=True)
    return 0


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks")
    parser.add_argument("--db", help="a database with loyalty_points")
    parser.add_argument("--config", help="Odoo's configuration file")
    parser.add_argument("--baseline-db", help="the same without loyalty_points")
    parser.add_argument(
        "--pos-db", help="a database with point_of_sale and loyalty_points_pos"
    )
    parser.add_argument(
        "--pos-baseline-db", help="one with point_of_sale and no loyalty addon"
    )
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
    if not ((args.db or args.pos_db) and args.config and args.output):
        parser.error(
            "--db or --pos-db, --config and --output are needed to run benchmarks"
        )
    return run_benchmarks(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
