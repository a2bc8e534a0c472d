"""What a production deployment starts besides the workers, checked in this
virtualenv: Odoo's gevent process (the websocket of the POS's live bus) must start."""

import os
import subprocess
import sys

import odoo
from odoo.tests import BaseCase


class TestDeployment(BaseCase):
    # Odoo tags only classes under odoo.addons; these cross-addon tests live outside.
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    def test_gevent_process_starts(self):
        """``odoo-bin gevent`` loads in this virtualenv: its setuptools is recent
        enough for pkg_resources to find zope.interface (the build-time pin of an
        older one is not kept)."""
        source = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
        result = subprocess.run(
            [sys.executable, os.path.join(source, "odoo-bin"), "gevent", "--version"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        self.assertIn("18.0", result.stdout)
