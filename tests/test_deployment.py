"""What a production deployment starts, checked in this virtualenv: Odoo's gevent
process (the websocket of the POS's live bus), and a server with worker processes
that serves pages and opens websockets."""

import json
import subprocess
import sys

import websocket

from odoo.tests import BaseCase

from .reliability.server import OdooServer, odoo_bin


class TestDeployment(BaseCase):
    # Odoo tags only classes under odoo.addons; these cross-addon tests live outside.
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    def test_gevent_process_starts(self):
        """``odoo-bin gevent`` loads in this virtualenv: its setuptools is recent
        enough for pkg_resources to find zope.interface (the build-time pin of an
        older one is not kept)."""
        result = subprocess.run(
            [sys.executable, odoo_bin(), "gevent", "--version"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        self.assertIn("18.0", result.stdout)

    def test_multi_worker_server_opens_websockets(self):
        """A server with two workers (as ``LOYALTY_WORKERS=2 ./dev run`` starts it)
        serves the login page and upgrades ``/websocket`` on its gevent port; a
        client subscribes and is kept; the log shows no error."""
        with OdooServer("deployment", workers=2) as server:
            self.assertEqual(server.client().get("/web/login").status_code, 200)
            client = websocket.create_connection(
                f"ws://127.0.0.1:{server.gevent_port}/websocket?version=18.0-3",
                origin=server.url(""),
                timeout=10,
            )
            try:
                self.assertEqual(client.getstatus(), 101)
                client.send(
                    json.dumps(
                        {"event_name": "subscribe", "data": {"channels": [], "last": 0}}
                    )
                )
                client.settimeout(2)
                # Subscribed: nothing to say, and the connection stays open.
                with self.assertRaises(websocket.WebSocketTimeoutException):
                    client.recv()
                self.assertTrue(client.connected)
            finally:
                client.close()
            # The gevent process and one process per worker.
            self.assertEqual(len(server.http_workers()), 2)
            self.assertEqual(len(server.children()), 3)
        self.assertIn("Evented Service (longpolling) running", server.log())
        self.assertEqual(server.errors(), [])
