"""(g) Starting a Point of Sale session with ``size`` customers, with the program on
and every customer holding points, against the same in a database with the Point of
Sale and no loyalty addon: what showing the customers' points at the counter costs
the start of a till. The nightly expiry job has run, as on any morning.

The customers are inserted with set-based SQL, and in the database with
loyalty_points_pos each gets a lot of points (a ledger entry, through which the
balance table fills). What is measured is what the till asks when it starts:
``pos.session.load_data`` of every model it loads (``models_to_load`` empty, as
``PosData.loadInitialData`` sends it), as its cashier, from an empty cache, with
the JSON of the response; the Point of Sale loads only some of the customers (those
of ``pos.config.get_limited_partners_loading``, 100 by default, which ranks them
all), with their points in the database with the addon. Two loads warm the caches
up; then ``READS`` loads in each database, turn about (the first one alternating,
each database in its own process: ``turnabout``), in ``PAIRS`` pairs of processes
whose loads are pooled; and the medians are compared.

Checked afterwards: the customers loaded, and in the database with the addon that
their available points are those of their ledger."""

import time

from odoo.tools import SQL

from .common import median
from .pos_common import POS_TABLES, Meter, Till, analyze, as_json, end_request

SIZES = {"full": 100_000, "small": 10_000}
TARGET_RATIO = 1.02
READS = 25
WARM = 2
# Pairs of processes (``turnabout``), each building its data and loading READS
# times, the baseline's first in every other pair: pinned as they are, the
# ratio of one pair moved by up to 8% from the next when measured against a
# copy of the same database (2026-12-07), several times the addon's whole cost;
# the loads of all pairs are pooled.
PAIRS = 8


class Workload:
    """A till of one database with ``size`` customers, ready to start."""

    def __init__(self, env, size):
        self.env = env
        self.size = size
        self.turns = READS
        started = time.perf_counter()
        self.till = Till(env, size, points_each=SQL("10 + mod(g, 990)"))
        if self.till.program:
            # The nightly job has run, as on any morning a till starts.
            env["loyalty.points.entry"]._cron_expire_points()
        analyze(env, POS_TABLES)
        self.build_seconds = time.perf_counter() - started
        self.meter = Meter(env)
        self.times, self.cpu, self.pg_cpu, self.queries = [], [], [], []
        self.response = None

    def load(self):
        """The till's initial load, as one request: an empty cache, the call,
        the JSON of the response."""
        env = self.till.cashier_env()
        self.env.invalidate_all()
        session = env["pos.session"].browse(self.till.session.id)
        response = session.load_data([])
        text = as_json(response)
        end_request(self.env)
        return response, text

    def warm_up(self):
        for _i in range(WARM):
            self.load()

    def measure(self, _index=None):
        (self.response, self.text), wall, cpu, pg, queries = self.meter(self.load)
        self.times.append(wall)
        self.cpu.append(cpu)
        self.pg_cpu.append(pg)
        self.queries.append(queries)

    def result(self):
        partners = self.response["res.partner"]["data"]
        customers = set(self.till.customer_ids)
        loaded = [p for p in partners if p["id"] in customers]
        result = {
            "customers": self.size,
            "reads": len(self.times),
            "median_ms": median(self.times) * 1000.0,
            "min_ms": min(self.times) * 1000.0,
            "max_ms": max(self.times) * 1000.0,
            "load_ms": [round(seconds * 1000.0, 3) for seconds in self.times],
            "odoo_cpu_ms": median(self.cpu) * 1000.0,
            "cpu_ms": [round(seconds * 1000.0, 3) for seconds in self.cpu],
            "pg_cpu_ms": (
                median(self.pg_cpu) * 1000.0 if None not in self.pg_cpu else None
            ),
            "pg_cpu_list_ms": (
                [seconds * 1000.0 for seconds in self.pg_cpu]
                if None not in self.pg_cpu
                else None
            ),
            "queries": median(self.queries),
            "partners_loaded": len(partners),
            "customers_loaded": len(loaded),
            "models_loaded": len(self.response),
            "response_bytes": len(self.text.encode()),
            "build_seconds": self.build_seconds,
            "loyalty_points": bool(self.till.program),
        }
        if self.till.program:
            ledger = dict(
                self.env.execute_query(
                    SQL(
                        """SELECT partner_id, SUM(points) FROM loyalty_points_entry
                            WHERE partner_id = ANY(%s) GROUP BY partner_id""",
                        [p["id"] for p in loaded],
                    )
                )
            )
            result["customers_with_points"] = sum(
                1 for p in loaded if p.get("loyalty_points_available", 0) > 0
            )
            result["points_mismatches"] = sum(
                1
                for p in loaded
                if p.get("loyalty_points_available") != float(ledger.get(p["id"], 0))
            )
            result["ledger_loaded"] = "loyalty.points.entry" in self.response
        return result


def combine(results):
    """One result of the loads of several pairs of processes (``PAIRS``): their
    loads pooled, in the order they ran (turn by turn beside the baseline's)."""
    if len(results) == 1:
        return results[0]
    combined = dict(results[0])
    loads = [ms for result in results for ms in result["load_ms"]]
    cpu = [ms for result in results for ms in result["cpu_ms"]]
    combined.update(
        reads=len(loads),
        pairs=len(results),
        load_ms=loads,
        median_ms=median(loads),
        min_ms=min(loads),
        max_ms=max(loads),
        cpu_ms=cpu,
        odoo_cpu_ms=median(cpu),
        pair_median_ms=[result["median_ms"] for result in results],
    )
    if all(result["pg_cpu_list_ms"] is not None for result in results):
        pg = [ms for result in results for ms in result["pg_cpu_list_ms"]]
        combined.update(pg_cpu_list_ms=pg, pg_cpu_ms=median(pg))
    return combined


def run(env, size, reads=READS):
    workload = Workload(env, size)
    workload.warm_up()
    for _i in range(reads):
        workload.measure()
    return workload.result()
