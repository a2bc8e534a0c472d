"""The benchmarks' turn about with a process per database (``benchmarks.turnabout``),
run on a probe workload in the test database: each side in its own process and its
own database connection, the turns in ABBA order and never at once, the results
sent back, and a failure in a worker raised with its traceback."""

import os
import time

from odoo.tests import TransactionCase
from odoo.tools import SQL, config

from .benchmarks import turnabout


class Workload:
    """The probe: when each measure ran, in which process and connection. A
    negative ``size`` fails on the second turn."""

    def __init__(self, env, size):
        self.env = env
        self.size = size
        self.built = time.monotonic_ns()
        self.turns = abs(size)
        self.warmed = False
        self.spans = []

    def warm_up(self):
        self.warmed = True

    def measure(self, index):
        if self.size < 0 and index == 1:
            raise ValueError("probe failure on turn 1")
        started = time.monotonic_ns()
        [(backend,)] = self.env.execute_query(SQL("SELECT pg_backend_pid()"))
        time.sleep(0.01)
        self.spans.append((index, started, time.monotonic_ns()))
        return backend

    def result(self):
        [(backend,)] = self.env.execute_query(SQL("SELECT pg_backend_pid()"))
        return {
            "pid": os.getpid(),
            "backend": backend,
            "dbname": self.env.cr.dbname,
            "warmed": self.warmed,
            "built": self.built,
            "spans": self.spans,
        }


class TestTurnAbout(TransactionCase):
    # Odoo tags only classes under odoo.addons; these cross-addon tests live outside.
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    def _run(self, size, pair=0):
        dbname = self.env.cr.dbname
        return turnabout.in_processes(
            __name__, config.rcfile, dbname, dbname, size, pair
        )

    def test_processes_take_turns(self):
        ours, base = self._run(4)
        [(backend,)] = self.env.execute_query(SQL("SELECT pg_backend_pid()"))
        self.assertEqual(len({os.getpid(), ours["pid"], base["pid"]}), 3)
        self.assertEqual(len({backend, ours["backend"], base["backend"]}), 3)
        self.assertTrue(ours["warmed"] and base["warmed"])
        self.assertEqual(ours["dbname"], self.env.cr.dbname)
        spans = sorted(
            [("ours", *span) for span in ours["spans"]]
            + [("base", *span) for span in base["spans"]],
            key=lambda span: span[2],
        )
        # ABBA: the baseline first on even turns, ours first on odd ones.
        self.assertEqual(
            [(role, index) for role, index, _start, _end in spans],
            [
                ("base", 0),
                ("ours", 0),
                ("ours", 1),
                ("base", 1),
                ("base", 2),
                ("ours", 2),
                ("ours", 3),
                ("base", 3),
            ],
        )
        # Never both at once: each measure ends before the next one starts.
        for before, after in zip(spans, spans[1:], strict=False):
            self.assertLess(before[3], after[2])

    def test_pairs_take_turns_to_build_first(self):
        """The baseline's process builds first in even pairs, ours in odd ones:
        the process that came second was faster in most pairs."""
        ours, base = self._run(1, pair=0)
        self.assertLess(base["built"], ours["built"])
        ours, base = self._run(1, pair=1)
        self.assertLess(ours["built"], base["built"])

    def test_worker_failure_is_raised(self):
        with self.assertRaisesRegex(RuntimeError, "probe failure on turn 1"):
            self._run(-3)
