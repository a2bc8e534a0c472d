"""What a production deployment starts, checked in this virtualenv: Odoo's gevent
process (the websocket of the POS's live bus), and a server with worker processes
that serves pages and opens websockets."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

import odoo
from odoo.tests import BaseCase
from odoo.tests.common import get_db_name
from odoo.tools import config


def _free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _odoo_bin():
    source = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
    return os.path.join(source, "odoo-bin")


class TestDeployment(BaseCase):
    # Odoo tags only classes under odoo.addons; these cross-addon tests live outside.
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    def test_gevent_process_starts(self):
        """``odoo-bin gevent`` loads in this virtualenv: its setuptools is recent
        enough for pkg_resources to find zope.interface (the build-time pin of an
        older one is not kept)."""
        result = subprocess.run(
            [sys.executable, _odoo_bin(), "gevent", "--version"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        self.assertIn("18.0", result.stdout)

    def test_multi_worker_server_opens_websockets(self):
        """A server of the test database with two workers (as ``LOYALTY_WORKERS=2
        ./dev run`` starts it, crons off so as not to touch the tests' data) serves
        the login page and upgrades ``/websocket`` on its gevent port; a client
        subscribes and is kept; the log shows no error."""
        http_port, gevent_port = _free_port(), _free_port()
        with tempfile.NamedTemporaryFile(suffix=".log") as log:
            server = subprocess.Popen(
                [
                    sys.executable,
                    _odoo_bin(),
                    "-c",
                    config.rcfile,
                    "-d",
                    get_db_name(),
                    "--workers=2",
                    "--max-cron-threads=0",
                    "--http-interface=127.0.0.1",
                    f"--http-port={http_port}",
                    f"--gevent-port={gevent_port}",
                    f"--logfile={log.name}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                page = self._wait(
                    lambda: urllib.request.urlopen(
                        f"http://127.0.0.1:{http_port}/web/login", timeout=10
                    ),
                    server,
                )
                self.assertEqual(page.status, 200)
                client = self._wait(
                    lambda: websocket.create_connection(
                        f"ws://127.0.0.1:{gevent_port}/websocket?version=18.0-3",
                        origin=f"http://127.0.0.1:{http_port}",
                        timeout=10,
                    ),
                    server,
                )
                try:
                    self.assertEqual(client.getstatus(), 101)
                    client.send(
                        json.dumps(
                            {
                                "event_name": "subscribe",
                                "data": {"channels": [], "last": 0},
                            }
                        )
                    )
                    client.settimeout(2)
                    # Subscribed: nothing to say, and the connection stays open.
                    with self.assertRaises(websocket.WebSocketTimeoutException):
                        client.recv()
                    self.assertTrue(client.connected)
                finally:
                    client.close()
                # One worker per process besides the gevent one and the main one.
                workers = subprocess.run(
                    ["pgrep", "-c", "-g", str(server.pid)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                self.assertGreaterEqual(int(workers.stdout.strip() or 0), 4)
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(60)
            logged = open(log.name, encoding="utf-8").read()
        self.assertIn("Evented Service (longpolling) running", logged)
        self.assertNotIn(" ERROR ", logged)
        self.assertNotIn("Traceback", logged)

    def _wait(self, connect, server, seconds=120):
        """What ``connect()`` returns once the server answers (it starts in a few
        seconds), failing if the server stops first."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                return connect()
            except OSError:
                if server.poll() is not None:
                    self.fail(f"the server stopped (exit code {server.returncode})")
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
