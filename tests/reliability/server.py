"""A real Odoo server for the reliability suite: worker processes on loopback, its
own database, JSON-RPC and HTTP clients, and the faults the suite injects.

``./dev test`` leaves a copy of the new test database that nobody connects to
(``LOYALTY_TEMPLATE_DB``); each server starts on a fresh copy of it, named after its
suite, so what the server commits never reaches the test database, and the copy is
kept after the run for a look (it is replaced by the next run)::

    with OdooServer("load", workers=4) as server:
        admin = server.client("admin", "admin")
        partner_id = admin.call("res.partner", "create", [{"name": "Ann"}])
        with server.env() as env:  # the server's database, from the test process
            ...

A server stops itself: on leaving the ``with`` block, and when it outlives
``seconds``. Every request of its clients is counted (``server.requests``) and times
out; ``server.errors()`` gives the ERROR and CRITICAL lines and tracebacks of its log.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

import odoo
from odoo.modules.registry import Registry
from odoo.tools import config

# How the server's log starts a record: its level, then its logger after the
# database's name.
RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) \S+ (\S+): ")

# Exceptions that are a clean refusal: the user is told what to do.
REFUSALS = (
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
    "odoo.exceptions.AccessDenied",
    "odoo.exceptions.RedirectWarning",
)


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_bin():
    source = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
    return os.path.join(source, "odoo-bin")


def template_db():
    name = os.environ.get("LOYALTY_TEMPLATE_DB")
    if not name:
        raise RuntimeError(
            "LOYALTY_TEMPLATE_DB is not set: run the reliability suite through "
            "./dev test or ./dev reliability, which leave a copy of the new test "
            "database for its servers."
        )
    return name


def copy_database(source, target):
    """``target``, dropped first, as a copy of ``source`` with its filestore."""
    with contextlib.closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [target],
        )
        cr.execute(f'DROP DATABASE IF EXISTS "{target}"')
        cr.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    filestore = os.path.join(config["data_dir"], "filestore")
    shutil.rmtree(os.path.join(filestore, target), ignore_errors=True)
    if os.path.isdir(os.path.join(filestore, source)):
        shutil.copytree(
            os.path.join(filestore, source), os.path.join(filestore, target)
        )


def restart_postgres():
    """Restart the PostgreSQL server (the project's private cluster): every
    connection of every process is cut. Returns the seconds it took."""
    command = os.environ.get("LOYALTY_PG_RESTART")
    if not command:
        raise RuntimeError(
            "LOYALTY_PG_RESTART is not set: ./dev test sets it when it runs its own "
            "PostgreSQL cluster (not when the PG* variables name a server)."
        )
    started = time.monotonic()
    subprocess.run(json.loads(command), check=True, capture_output=True, timeout=120)
    return time.monotonic() - started


class RpcError(Exception):
    """A JSON-RPC call that the server answered with an error."""

    def __init__(self, error):
        data = error.get("data") or {}
        self.name = data.get("name", "")
        self.message = data.get("message") or error.get("message", "")
        self.debug = data.get("debug", "")
        super().__init__(f"{self.name}: {self.message}")

    @property
    def refusal(self):
        """True when the error is a clean refusal (UserError and the like), not a
        server error."""
        return self.name in REFUSALS


class Client:
    """One browser or till: a session of its own on the server."""

    def __init__(self, server, login=None, password=None, timeout=120):
        self.server = server
        self.timeout = timeout
        self.http = requests.Session()
        self.uid = None
        if login:
            self.authenticate(login, password)

    def url(self, path):
        return self.server.url(path)

    def jsonrpc(self, path, params):
        """The result of a JSON-RPC request, or RpcError."""
        response = self.request(
            "POST",
            path,
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            raise RpcError(body["error"])
        # Odoo leaves "result" out of the response when the method returns None.
        return body.get("result")

    def authenticate(self, login, password):
        info = self.jsonrpc(
            "/web/session/authenticate",
            {"db": self.server.db, "login": login, "password": password},
        )
        self.uid = info["uid"]
        return info

    def call(self, model, method, *args, **kwargs):
        """``model.method(*args, **kwargs)`` as the web client calls it."""
        return self.jsonrpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        with self.server.counting():
            return self.http.request(method, self.url(path), **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def csrf_token(self, path="/my"):
        """The CSRF token of this session, read off a page that has a form."""
        page = self.get(path)
        match = re.search(
            r'name="csrf_token" value="([^"]+)"|csrf_token: "([^"]+)"', page.text
        )
        if not match:
            raise AssertionError(f"no CSRF token on {path} ({page.status_code})")
        return match.group(1) or match.group(2)


class OdooServer:
    """``odoo-bin`` with ``workers`` worker processes (and the gevent process) on a
    fresh copy of the test database named ``loyalty_rel_<name>``; no cron thread
    unless ``crons`` (the suite runs the jobs when it means to)."""

    def __init__(self, name, workers=4, crons=0, seconds=1800, extra=()):
        self.name = name
        self.db = f"loyalty_rel_{name}"
        self.workers = workers
        self.crons = crons
        self.seconds = seconds
        self.extra = list(extra)
        self.http_port = free_port()
        self.gevent_port = free_port()
        self.process = None
        self.requests = 0
        self._lock = threading.Lock()
        self._timer = None
        self._log = tempfile.NamedTemporaryFile(
            prefix=f"odoo-{name}-", suffix=".log", delete=False
        )
        self.log_path = self._log.name

    # life cycle
    def __enter__(self):
        copy_database(template_db(), self.db)
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        Registry.delete(self.db)

    def command(self):
        return [
            sys.executable,
            odoo_bin(),
            "-c",
            config.rcfile,
            "-d",
            self.db,
            f"--db-filter=^{self.db}$",
            f"--workers={self.workers}",
            f"--max-cron-threads={self.crons}",
            "--http-interface=127.0.0.1",
            f"--http-port={self.http_port}",
            f"--gevent-port={self.gevent_port}",
            f"--logfile={self.log_path}",
            "--log-level=info",
            # Workers are recycled by Odoo's limits as in production, but a test
            # must not lose one to the default 60 s CPU limit on a loaded machine.
            "--limit-time-cpu=600",
            "--limit-time-real=1200",
            *self.extra,
        ]

    def start(self, timeout=180):
        self.process = subprocess.Popen(
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._timer = threading.Timer(self.seconds, self.stop)
        self._timer.daemon = True
        self._timer.start()
        self.wait_ready(timeout)

    def wait_ready(self, timeout=180):
        """Wait until the server serves its login page, and with workers, until its
        gevent process listens too."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(requests.RequestException, OSError):
                response = requests.get(self.url("/web/login"), timeout=30)
                if response.status_code == 200:
                    if self.workers:
                        socket.create_connection(
                            ("127.0.0.1", self.gevent_port), timeout=5
                        ).close()
                    return
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server stopped (exit code {self.process.returncode}); "
                    f"its log: {self.log_path}\n{self.log()[-3000:]}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server did not answer in {timeout} s")
            time.sleep(0.5)

    def stop(self):
        if self._timer:
            self._timer.cancel()
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(30)

    # requests
    def url(self, path):
        return f"http://127.0.0.1:{self.http_port}{path}"

    def client(self, login=None, password=None):
        return Client(self, login, password)

    @contextlib.contextmanager
    def counting(self):
        with self._lock:
            self.requests += 1
        yield

    # the server's database, read from the test process
    @contextlib.contextmanager
    def env(self, uid=odoo.SUPERUSER_ID, context=None):
        """An environment on the server's database, in its own transaction,
        committed when the block ends without an error."""
        # Loading a registry runs the modules' at_install tests when test_enable
        # is on, as under the test command: never on a server's database.
        saved = config["test_enable"]
        config["test_enable"] = False
        try:
            registry = Registry(self.db)
        finally:
            config["test_enable"] = saved
        with registry.cursor() as cr:
            yield odoo.api.Environment(cr, uid, context or {})

    # processes, for the faults
    def children(self):
        """{pid: command line} of the server's processes but the main one."""
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        commands = {}
        for pid in map(int, found):
            with contextlib.suppress(FileNotFoundError):
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    commands[pid] = handle.read().replace(b"\0", b" ").decode()
        return commands

    def http_workers(self):
        """The pids of the HTTP worker processes (not the gevent one)."""
        return sorted(
            pid for pid, cmd in self.children().items() if " gevent" not in cmd
        )

    def kill(self, pid):
        """SIGKILL one of the server's processes (Odoo starts another)."""
        os.kill(pid, signal.SIGKILL)

    # the log
    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def records(self, since=0):
        """[(level, logger, lines)] of the log's records from its character
        ``since`` on: each record is its first line ("2026-12-02 06:39:14,236
        29404 ERROR db logger: message") and the lines that follow it (a
        traceback) up to the next record."""
        records, current = [], None
        for line in self.log()[since:].splitlines():
            match = RECORD.match(line)
            if match:
                current = (match.group(1), match.group(2), [line])
                records.append(current)
            elif current:
                current[2].append(line)
            else:
                records.append(current := ("", "", [line]))
        return records

    def errors(self, ignore=(), since=0):
        """The first line of each ERROR or CRITICAL record of the log and of
        each record with a traceback, but those whose text matches one of the
        regular expressions ``ignore`` (faults the test injected)."""
        found = []
        for level, _logger, lines in self.records(since):
            text = "\n".join(lines)
            if any(re.search(pattern, text) for pattern in ignore):
                continue
            if level in ("ERROR", "CRITICAL") or "\nTraceback" in f"\n{text}":
                found.append(lines[0])
        return found
