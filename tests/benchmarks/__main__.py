"""Run the benchmarks in one database, or print the report of two runs.

    python -m tests.benchmarks --db DB --config ODOO_CONF [--size full|small]
                               [--only NAME ...] --output RESULTS.json
    python -m tests.benchmarks --report LOYALTY.json --baseline BASE.json [--size ...]

Each benchmark runs in its own transaction, rolled back at its end, so the database is
left as it was and can be reused. ``./dev bench`` calls both forms.
"""

import argparse
import importlib
import json
import sys
import time

from . import BENCHMARKS
from .report import report_lines


def run_benchmarks(args):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.db])
    registry = Registry(args.db)
    results = {}
    for name in args.only or BENCHMARKS:
        module = importlib.import_module(f"{__package__}.{name}")
        size = module.SIZES[args.size]
        print(f"bench: {name} at size {size} in '{args.db}'...", flush=True)
        started = time.monotonic()
        cr = registry.cursor()
        try:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            results[name] = module.run(env, size)
        finally:
            cr.rollback()
            cr.close()
        print(
            f"bench: {name} done in {time.monotonic() - started:.0f} s "
            "(data included, rolled back)",
            flush=True,
        )
    with open(args.output, "w", encoding="utf-8") as handle:
        json.dump({"size": args.size, "results": results}, handle, indent=1)
    return 0


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks")
    parser.add_argument("--db")
    parser.add_argument("--config")
    parser.add_argument("--size", choices=("full", "small"), default="full")
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS)
    parser.add_argument("--output")
    parser.add_argument("--report", help="results of the loyalty database")
    parser.add_argument("--baseline", help="results of the baseline database")
    args = parser.parse_args(argv)
    if args.report:
        with open(args.report, encoding="utf-8") as handle:
            loyalty = json.load(handle)
        baseline = {"results": {}}
        if args.baseline:
            with open(args.baseline, encoding="utf-8") as handle:
                baseline = json.load(handle)
        for line in report_lines(loyalty, baseline):
            print(line)
        return 0
    if not (args.db and args.config and args.output):
        parser.error("--db, --config and --output are needed to run benchmarks")
    return run_benchmarks(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
