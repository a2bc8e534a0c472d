"""Rules of the development tool itself (``bin/devtool.py``, behind ``./dev``)."""

import importlib.util
import pathlib
import tempfile

from odoo.tests import BaseCase

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _devtool():
    spec = importlib.util.spec_from_file_location(
        "devtool", ROOT / "bin" / "devtool.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestDevtool(BaseCase):
    # Odoo tags only classes under odoo.addons; these cross-addon tests live outside.
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    def test_an_install_checks_only_its_own_log_lines(self):
        """An ERROR that an earlier run left in the log (a request that failed
        while ``./dev run`` served the database) does not fail the next
        install: only the lines from where the install started count."""
        devtool = _devtool()
        with tempfile.NamedTemporaryFile("w+", suffix=".log") as log:
            log.write(
                "2026-12-06 21:54:52,005 1 ERROR loyalty odoo.http: "
                "Exception during request handling.\n"
            )
            log.flush()
            start = log.tell()
            log.write(
                "2026-12-06 23:26:42,218 2 INFO loyalty_demo2 "
                "odoo.modules.registry: Registry loaded in 80.442s\n"
            )
            log.flush()
            self.assertEqual(devtool.log_errors(log.name, start), [])
            self.assertEqual(len(devtool.log_errors(log.name)), 1)
