"""The reliability suite's table (report.py): figures summed per suite."""

import os
import tempfile

from odoo.tests import BaseCase

from . import report


class TestReport(BaseCase):
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    def test_table_sums_each_suite(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "report.jsonl")
            saved = os.environ.get("LOYALTY_RELIABILITY_REPORT")
            os.environ["LOYALTY_RELIABILITY_REPORT"] = path
            try:
                report.record("load", requests=10, tickets=4)
                report.record("load", requests=5, doubled=0)
                report.record("faults", faults_injected=2, faults_survived=2)
            finally:
                if saved is None:
                    del os.environ["LOYALTY_RELIABILITY_REPORT"]
                else:
                    os.environ["LOYALTY_RELIABILITY_REPORT"] = saved
            rows = report.rows(path)
            self.assertEqual(rows["load"]["requests"], 15)
            self.assertEqual(rows["load"]["tickets"], 4)
            self.assertEqual(rows["faults"]["faults_survived"], 2)
            lines = report.table(path)
        total = next(line for line in lines if line.startswith("total"))
        self.assertEqual(total.split()[1:4], ["15", "4", "2"])
        with self.assertRaises(ValueError):
            report.record("load", bogus=1)
