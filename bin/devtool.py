"""Second half of ./dev: PostgreSQL, databases, serving and testing.

./dev has already located the Odoo source (ODOO_SRC) and built the virtualenv this runs
in. Every step prints one line saying what it did or reused; Odoo's own log goes to a
file under .state/ whose path is printed.
"""

import contextlib
import glob
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.environ["LOYALTY_ROOT"]
STATE = os.environ["LOYALTY_STATE_DIR"]
ODOO_SRC = os.environ["ODOO_SRC"]
ADDONS = ["loyalty_points", "loyalty_points_pos", "loyalty_points_portal"]
# Installed into the test database beside the addons (not dependencies of them), to
# test how the addons work with them: automation rules using "Grant loyalty points".
TEST_EXTRA = ["base_automation"]
RUN_DB = os.environ.get("LOYALTY_DB", "loyalty")
TEST_DB = os.environ.get("LOYALTY_TEST_DB", "loyalty_test")
# A copy of the new test database that nobody connects to: the reliability suite
# (tests/reliability) copies it for each real multi-worker server it starts, which
# commits what it does, never into the test database itself.
TEMPLATE_DB = f"{TEST_DB}_template"
PG_VARS = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")


class SetupError(Exception):
    """A broken environment: the message says what to do."""


def say(message):
    print(message, flush=True)


def odoo_bin():
    return [sys.executable, os.path.join(ODOO_SRC, "odoo-bin")]


def addons_path():
    paths = [os.path.join(ODOO_SRC, "odoo", "addons")]
    if os.path.isdir(os.path.join(ODOO_SRC, "addons")):
        paths.append(os.path.join(ODOO_SRC, "addons"))
    return ",".join(paths + [ROOT])


# --------------------------------------------------------------------------- PostgreSQL
class Postgres:
    """The server that the PG* variables name, else the project's private cluster."""

    def __init__(self):
        self.external = any(os.environ.get(var) for var in PG_VARS)
        self.started = False
        link = os.path.join(STATE, "pg")
        self.home = os.path.realpath(link)
        self.data = os.path.join(self.home, "data")
        self.run = os.path.join(self.home, "run")
        self.user = "odoo"

    # connection parameters, for Odoo's configuration and for libpq children
    def params(self):
        if self.external:
            return {
                "db_host": os.environ.get("PGHOST", ""),
                "db_port": os.environ.get("PGPORT", ""),
                "db_user": os.environ.get("PGUSER", ""),
                "db_password": os.environ.get("PGPASSWORD", ""),
            }
        return {
            "db_host": self.run,
            "db_port": "5432",
            "db_user": self.user,
            "db_password": "",
        }

    def environ(self):
        env = dict(os.environ)
        params = self.params()
        for var, key in zip(
            PG_VARS, ("db_host", "db_port", "db_user", "db_password"), strict=True
        ):
            if params[key]:
                env[var] = params[key]
        return env

    def connect(self, dbname="postgres"):
        import psycopg2

        params = self.params()
        kwargs = {"dbname": dbname}
        for key, arg in (
            ("db_host", "host"),
            ("db_port", "port"),
            ("db_user", "user"),
            ("db_password", "password"),
        ):
            if params[key]:
                kwargs[arg] = params[key]
        conn = psycopg2.connect(**kwargs)
        conn.autocommit = True
        return conn

    def ensure(self):
        if self.external:
            try:
                self.connect().close()
            except Exception as exc:
                raise SetupError(
                    "the PostgreSQL that the PG* variables name is not reachable "
                    f"({str(exc).strip()}). Fix PGHOST/PGPORT/PGUSER/PGPASSWORD, or "
                    "unset them all to let ./dev run a "
                    "private cluster in .state/pg."
                ) from exc
            say(
                "postgresql: using the server of "
                f"PGHOST={os.environ.get('PGHOST', '(default)')}"
            )
            return
        bindir = self._bindir()
        self._place_cluster()
        if not os.path.isfile(os.path.join(self.data, "PG_VERSION")):
            say(f"postgresql: creating a private cluster in {self.home}")
            os.makedirs(self.home, exist_ok=True)
            self._own(self.home)
            self._as_owner(
                [
                    os.path.join(bindir, "initdb"),
                    "-D",
                    self.data,
                    "-U",
                    self.user,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                ],
                "initdb",
            )
        os.makedirs(self.run, exist_ok=True)
        self._own(self.run)
        status = subprocess.run(
            self._owner_cmd(
                [os.path.join(bindir, "pg_ctl"), "status", "-D", self.data]
            ),
            capture_output=True,
            check=False,
        )
        if status.returncode == 0:
            say(f"postgresql: reusing the private cluster running in {self.home}")
            return
        with contextlib.suppress(FileNotFoundError):  # left by a killed server
            os.remove(os.path.join(self.data, "postmaster.pid"))
        options = (
            f"-c listen_addresses='' -k {self.run} -c fsync=off "
            "-c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        self._as_owner(
            [
                os.path.join(bindir, "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                self.data,
                "-l",
                os.path.join(self.home, "server.log"),
                "-o",
                options,
            ],
            "pg_ctl start",
        )
        self.started = True
        say(
            f"postgresql: started the private cluster in {self.home} "
            f"(socket only, log: {self.home}/server.log)"
        )

    def stop(self, quiet=False):
        if self.started:
            subprocess.run(
                self._owner_cmd(
                    [
                        os.path.join(self._bindir(), "pg_ctl"),
                        "stop",
                        "-m",
                        "fast",
                        "-D",
                        self.data,
                    ]
                ),
                capture_output=True,
                check=False,
            )
            self.started = False
            if not quiet:
                say("postgresql: stopped the private cluster")

    def restart_command(self):
        """The command that restarts the private cluster with its options."""
        return self._owner_cmd(
            [
                os.path.join(self._bindir(), "pg_ctl"),
                "restart",
                "-w",
                "-t",
                "60",
                "-m",
                "fast",
                "-D",
                self.data,
                "-l",
                os.path.join(self.home, "server.log"),
            ]
        )

    # helpers
    def _bindir(self):
        found = shutil.which("pg_ctl")
        if found and shutil.which("initdb"):
            return os.path.dirname(os.path.realpath(found))
        versions = sorted(
            glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
            key=lambda p: int(p.split("/")[4]),
        )
        if versions:
            return os.path.dirname(versions[-1])
        raise SetupError(
            "the PostgreSQL server binaries (initdb, pg_ctl) are missing. Install them "
            "(Debian/Ubuntu: apt-get install postgresql), or point the "
            "PGHOST/PGPORT/PGUSER/"
            "PGPASSWORD variables at a running server."
        )

    def _owner(self):
        """PostgreSQL refuses to run as root: then use the postgres (or nobody) user."""
        if os.geteuid() != 0:
            return None
        for name in ("postgres", "nobody"):
            with contextlib.suppress(KeyError):
                return pwd.getpwnam(name)
        raise SetupError(
            "running as root and there is no 'postgres' user to run PostgreSQL "
            "as: create one (useradd postgres)."
        )

    def _owner_cmd(self, cmd):
        owner = self._owner()
        return cmd if owner is None else ["runuser", "-u", owner.pw_name, "--", *cmd]

    def _own(self, path):
        owner = self._owner()
        if owner is not None:
            os.chown(path, owner.pw_uid, owner.pw_gid)
            os.chmod(path, 0o700)

    def _as_owner(self, cmd, what):
        result = subprocess.run(
            self._owner_cmd(cmd), capture_output=True, text=True, check=False
        )
        if result.returncode:
            raise SetupError(
                f"{what} failed: {(result.stderr or result.stdout).strip()[-800:]}"
            )

    def _place_cluster(self):
        """The cluster lives in .state/pg unless its owner cannot reach that folder
        (a project under /root when running as root) or the socket path is too long:
        then .state/pg is a link to a folder under /var/tmp."""
        link = os.path.join(STATE, "pg")
        if os.path.exists(link):
            return
        owner = self._owner()
        reachable = (
            owner is None
            or subprocess.run(
                ["runuser", "-u", owner.pw_name, "--", "test", "-x", STATE], check=False
            ).returncode
            == 0
        )
        if reachable and len(os.path.join(link, "run", ".s.PGSQL.5432")) < 100:
            os.makedirs(link)
        else:
            digest = hashlib.sha1(ROOT.encode()).hexdigest()[:10]
            target = f"/var/tmp/loyalty-points-pg-{digest}"
            os.makedirs(target, exist_ok=True)
            os.symlink(target, link)
            say(
                f"postgresql: {STATE} is out of reach of the server's user, "
                f"so the cluster lives in {target}"
            )
        self.home = os.path.realpath(link)
        self.data = os.path.join(self.home, "data")
        self.run = os.path.join(self.home, "run")


# --------------------------------------------------------------------------- Odoo
def write_config(pg, name, port, logfile, dbname):
    path = os.path.join(STATE, f"{name}.conf")
    lines = [
        "[options]",
        f"addons_path = {addons_path()}",
        f"data_dir = {os.path.join(STATE, 'data')}",
    ]
    lines += [f"{key} = {value or 'False'}" for key, value in pg.params().items()]
    lines += [
        f"http_port = {port}",
        f"logfile = {logfile}",
        f"db_name = {dbname}",
        f"dbfilter = ^{dbname}$",
        "list_db = False",
        "max_cron_threads = 1",
        "limit_time_real = 600",
    ]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def addons_digest():
    """A digest of the addons' files: a run database is updated when it changes."""
    digest = hashlib.sha1()
    for addon in ADDONS:
        for folder, dirs, files in sorted(os.walk(os.path.join(ROOT, addon))):
            dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "tests"))
            for file in sorted(files):
                if file.endswith(
                    (".py", ".xml", ".csv", ".po", ".pot", ".js", ".scss", ".css")
                ):
                    with open(os.path.join(folder, file), "rb") as handle:
                        digest.update(file.encode() + handle.read())
    return digest.hexdigest()


def database_state(pg, dbname):
    """None when the database is missing, else {addon: state}."""
    with contextlib.closing(pg.connect()) as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
        if not cr.fetchone():
            return None
    with contextlib.closing(pg.connect(dbname)) as conn, conn.cursor() as cr:
        cr.execute("SELECT to_regclass('ir_module_module')")
        if cr.fetchone()[0] is None:
            return {}
        cr.execute(
            "SELECT name, state FROM ir_module_module WHERE name = ANY(%s)", [ADDONS]
        )
        return dict(cr.fetchall())


def drop_database(pg, dbname):
    with contextlib.closing(pg.connect()) as conn, conn.cursor() as cr:
        cr.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [dbname],
        )
        cr.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
    shutil.rmtree(os.path.join(STATE, "data", "filestore", dbname), ignore_errors=True)


def odoo_init(pg, conf, dbname, args, logfile, what):
    """Run Odoo once (install or update) and stop; its output goes to the log file."""
    started = time.monotonic()
    cmd = [
        *odoo_bin(),
        "-c",
        conf,
        "-d",
        dbname,
        *args,
        "--stop-after-init",
        "--no-http",
    ]
    with open(logfile, "a", encoding="utf-8") as log:
        # Only this run's lines are checked: the log also keeps earlier runs
        # (and a served database's request errors), which are not this one's.
        start = log.tell()
        result = subprocess.run(
            cmd, stdout=log, stderr=subprocess.STDOUT, env=pg.environ(), check=False
        )
    errors = log_errors(logfile, start)
    if result.returncode or errors:
        tail = "\n".join(errors[-5:]) or "(no ERROR line; see the log)"
        raise SetupError(f"{what} failed (log: {logfile}):\n{tail}")
    return time.monotonic() - started


def log_errors(logfile, start=0):
    """The ERROR and CRITICAL lines of ``logfile`` from byte ``start`` on."""
    with open(logfile, encoding="utf-8", errors="replace") as handle:
        handle.seek(start)
        return [
            line.rstrip()
            for line in handle
            if " ERROR " in line or " CRITICAL " in line
        ]


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def wait_http(url, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with (
            contextlib.suppress(Exception),
            urllib.request.urlopen(url, timeout=5) as response,
        ):  # noqa: S310
            if response.status == 200:
                return True
        time.sleep(0.5)
    return False


def stop_process(process):
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --------------------------------------------------------------------------- commands
def cmd_run(pg):
    port = int(os.environ.get("LOYALTY_HTTP_PORT", "8069"))
    # Worker processes as in production, with the gevent process that serves the
    # websocket (the POS's live bus); 0 keeps Odoo's single threaded process.
    workers = int(os.environ.get("LOYALTY_WORKERS", "0"))
    gevent_port = int(os.environ.get("LOYALTY_GEVENT_PORT", str(port + 3)))
    ports = {"LOYALTY_HTTP_PORT": port}
    if workers:
        ports["LOYALTY_GEVENT_PORT"] = gevent_port
    for variable, taken in ports.items():
        if not port_free(taken):
            raise SetupError(
                f"port {taken} is already taken (another Odoo?). Stop it, or serve "
                f"on another port: {variable}={taken + 1} ./dev run"
            )
    pg.ensure()
    logfile = os.path.join(STATE, "odoo-run.log")
    conf = write_config(pg, "odoo-run", port, logfile, RUN_DB)
    stamp_file = os.path.join(STATE, f"{RUN_DB}.addons-digest")
    digest = addons_digest()
    states = database_state(pg, RUN_DB)
    if states is None or any(states.get(addon) != "installed" for addon in ADDONS):
        say(
            "database: installing the three addons with demo data into "
            f"'{RUN_DB}' (about 3 minutes; log: {logfile})"
        )
        seconds = odoo_init(
            pg, conf, RUN_DB, ["-i", ",".join(ADDONS)], logfile, "installing the addons"
        )
        say(f"database: '{RUN_DB}' ready in {seconds:.0f} s")
    elif (
        not os.path.exists(stamp_file)
        or open(stamp_file, encoding="utf-8").read() != digest
    ):
        say(
            "database: the addons changed since the last run, updating them in "
            f"'{RUN_DB}' (log: {logfile})"
        )
        seconds = odoo_init(
            pg, conf, RUN_DB, ["-u", ",".join(ADDONS)], logfile, "updating the addons"
        )
        say(f"database: '{RUN_DB}' updated in {seconds:.0f} s")
    else:
        say(f"database: reusing '{RUN_DB}'")
    with open(stamp_file, "w", encoding="utf-8") as handle:
        handle.write(digest)

    server_args = []
    if workers:
        server_args = [f"--workers={workers}", f"--gevent-port={gevent_port}"]
    process = subprocess.Popen(
        [*odoo_bin(), "-c", conf, "-d", RUN_DB, *server_args],
        stdout=subprocess.DEVNULL,
        stderr=open(logfile, "a", encoding="utf-8"),  # noqa: SIM115
        env=pg.environ(),
        start_new_session=True,
    )
    try:
        if not wait_http(f"http://localhost:{port}/web/login", process, 120):
            raise SetupError(
                f"Odoo did not start serving; the end of {logfile} says why."
            )
        say(
            f"serving: http://localhost:{port} (login admin, password admin; "
            f"Ctrl-C stops; log: {logfile})"
        )
        if workers:
            say(
                f"serving: {workers} worker processes; the websocket on "
                f"ws://localhost:{gevent_port}/websocket (a proxy in front routes "
                "/websocket there, see README)"
            )
        process.wait()
        raise SetupError(f"Odoo stopped by itself; the end of {logfile} says why.")
    except KeyboardInterrupt:
        say("stopping: Odoo")
    finally:
        stop_process(process)
    return 0


def copy_database(pg, source, target):
    """``target``, dropped first, as a copy of ``source`` with its filestore."""
    drop_database(pg, target)
    with contextlib.closing(pg.connect()) as conn, conn.cursor() as cr:
        cr.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    filestore = os.path.join(STATE, "data", "filestore")
    if os.path.isdir(os.path.join(filestore, source)):
        shutil.copytree(
            os.path.join(filestore, source), os.path.join(filestore, target)
        )


def test_environ(pg, reliability_size):
    """The environment of pytest: libpq's variables, and what the reliability
    suite needs to start servers of its own (tests/reliability/server.py)."""
    env = pg.environ()
    env.update(
        LOYALTY_TEMPLATE_DB=TEMPLATE_DB,
        LOYALTY_RELIABILITY_SIZE=reliability_size,
        LOYALTY_RELIABILITY_REPORT=os.path.join(STATE, "reliability.jsonl"),
    )
    if not pg.external:
        # Restarting PostgreSQL is one of the faults the suite injects.
        env["LOYALTY_PG_RESTART"] = json.dumps(pg.restart_command())
    with contextlib.suppress(FileNotFoundError):
        os.remove(env["LOYALTY_RELIABILITY_REPORT"])
    return env


def cmd_test(pg, pytest_args, lint_too=True, reliability_size="small"):
    chrome = next(
        (
            shutil.which(b)
            for b in ("google-chrome", "chromium", "chromium-browser")
            if shutil.which(b)
        ),
        None,
    )
    if not chrome:
        raise SetupError(
            "Chromium is missing, and the browser tests (tours) need it: install it "
            "(Debian/Ubuntu: apt-get install chromium)."
        )
    say(f"browser: {chrome}")
    pg.ensure()
    install_log = os.path.join(STATE, "odoo-test-install.log")
    test_log = os.path.join(STATE, "odoo-test.log")
    for path in (install_log, test_log):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
    conf = write_config(pg, "odoo-test", 0, install_log, TEST_DB)
    states = database_state(pg, TEST_DB)
    if (
        os.environ.get("LOYALTY_KEEP_DB")
        and states
        and set(states.values()) == {"installed"}
    ):
        # A developer's shortcut (README, Develop): update the addons in place.
        say(f"database: updating the addons in the kept '{TEST_DB}' (LOYALTY_KEEP_DB)")
        args, what = ["-u", ",".join(ADDONS)], "updating the addons"
    else:
        drop_database(pg, TEST_DB)
        say(
            "database: installing the three addons with demo data into a new "
            f"'{TEST_DB}' (log: {install_log})"
        )
        args, what = ["-i", ",".join(ADDONS + TEST_EXTRA)], "installing the addons"
    seconds = odoo_init(pg, conf, TEST_DB, args, install_log, what)
    copy_database(pg, TEST_DB, TEMPLATE_DB)
    say(
        f"database: '{TEST_DB}' ready in {seconds:.0f} s (and its copy '{TEMPLATE_DB}')"
    )

    lint_failed = lint() if lint_too else False

    conf = write_config(pg, "odoo-test", 0, test_log, TEST_DB)
    what = " ".join(pytest_args) if pytest_args else "the addons' tests and tests/"
    say(f"pytest: {what} (Odoo log: {test_log})")
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        f"--odoo-config={conf}",
        f"--odoo-database={TEST_DB}",
        "--odoo-http",
        "--odoo-log-level=warn",
        *(pytest_args or [*ADDONS, "tests"]),
    ]
    result = subprocess.run(
        cmd, cwd=ROOT, env=test_environ(pg, reliability_size), check=False
    )
    if lint_failed:
        return 1
    return result.returncode


def lint():
    """ruff (check and format) and pylint-odoo with the mandatory configuration."""
    venv_bin = os.path.dirname(sys.executable)
    checks = [
        ("ruff check", [os.path.join(venv_bin, "ruff"), "check", "--no-fix", "."]),
        ("ruff format", [os.path.join(venv_bin, "ruff"), "format", "--check", "."]),
        (
            "pylint-odoo",
            [os.path.join(venv_bin, "pylint"), "--rcfile=.pylintrc-mandatory", *ADDONS],
        ),
    ]
    failed = False
    for name, cmd in checks:
        result = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, check=False
        )
        if result.returncode:
            failed = True
            output = (result.stdout + result.stderr).strip()
            say(f"lint: {name} complains, so the test command will fail:\n{output}")
        else:
            say(f"lint: {name} clean")
    return failed


# ------------------------------------------------------------------------ reliability
RELIABILITY_DIR = "tests/reliability"


def cmd_reliability(pg, pytest_args):
    """The reliability suite at full size (./dev test runs it at a small size)."""
    return cmd_test(
        pg, [RELIABILITY_DIR, *pytest_args], lint_too=False, reliability_size="full"
    )


# ------------------------------------------------------------------------ screenshots
# Not collected by ./dev test (its name is not test_*.py): only this command runs it.
SCREENSHOTS_MODULE = "tests/screenshots/screenshots.py"
SCREENSHOTS = ("partner_form.png", "pos_payment.png", "portal_points.png")


def cmd_screenshots(pg, pytest_args):
    """The README's screenshots: the tours of SCREENSHOTS_MODULE, run on the test
    database as ./dev test runs its tests, each writing its PNG into docs/."""
    result = cmd_test(pg, [SCREENSHOTS_MODULE, *pytest_args], lint_too=False)
    for name in SCREENSHOTS:
        path = os.path.join(ROOT, "docs", name)
        if os.path.exists(path):
            say(f"screenshot: docs/{name} ({os.path.getsize(path) // 1024} KB)")
    if result:
        say("screenshots: a tour failed; the pictures it did not take are unchanged")
    return result


# --------------------------------------------------------------------------- bench
# (database, modules installed into it without demo data)
BENCH_BASE_DB = (
    os.environ.get("LOYALTY_BENCH_BASE_DB", "loyalty_bench_base"),
    ["account"],
)
BENCH_DB = (
    os.environ.get("LOYALTY_BENCH_DB", "loyalty_bench"),
    ["account", "loyalty_points", "loyalty_points_portal"],
)
# The Point of Sale benchmarks' pair: Odoo's Point of Sale alone (no loyalty addon at
# all), and with loyalty_points_pos. Installed only when one of them is run.
BENCH_POS_BASE_DB = (
    os.environ.get("LOYALTY_BENCH_POS_BASE_DB", "loyalty_bench_pos_base"),
    ["point_of_sale"],
)
BENCH_POS_DB = (
    os.environ.get("LOYALTY_BENCH_POS_DB", "loyalty_bench_pos"),
    ["point_of_sale", "loyalty_points_pos"],
)


BENCH_DIGEST_KEY = "loyalty_points.bench_addons_digest"


def bench_database(pg, conf, dbname, modules, logfile):
    """Install ``modules`` without demo data into ``dbname``, or reuse it; a database
    with our addons is updated when the addons' files changed (as ./dev run).
    The digest of the addons it holds is kept in the database itself, since other
    checkouts may use the same PostgreSQL."""
    digest = addons_digest()
    states, stamp = {}, None
    if database_state(pg, dbname) is not None:
        with contextlib.closing(pg.connect(dbname)) as conn, conn.cursor() as cr:
            cr.execute("SELECT to_regclass('ir_module_module')")
            if cr.fetchone()[0] is not None:
                cr.execute(
                    "SELECT name, state FROM ir_module_module WHERE name = ANY(%s)",
                    [modules],
                )
                states = dict(cr.fetchall())
                cr.execute(
                    "SELECT value FROM ir_config_parameter WHERE key = %s",
                    [BENCH_DIGEST_KEY],
                )
                stamp = (cr.fetchone() or [None])[0]
    install = any(states.get(module) != "installed" for module in modules)
    # Ours, with loyalty_points that they all depend on (an update of
    # loyalty_points_pos alone would leave loyalty_points as it was).
    ours = [module for module in ADDONS if module in modules]
    if ours and "loyalty_points" not in ours:
        ours.insert(0, "loyalty_points")
    if not install and ours and stamp != digest:
        say(f"database: the addons changed, updating them in '{dbname}'")
        try:
            seconds = odoo_init(
                pg, conf, dbname, ["-u", ",".join(ours)], logfile, "updating"
            )
            say(f"database: '{dbname}' updated in {seconds:.0f} s")
        except SetupError:
            # E.g. a checkout of older addons than the ones the database holds.
            say(f"database: the update failed, so '{dbname}' is made anew")
            install = True
    elif not install:
        say(f"database: reusing '{dbname}'")
    if install:
        drop_database(pg, dbname)
        with contextlib.suppress(FileNotFoundError):
            os.remove(logfile)  # its errors are those of the failed update
        say(
            f"database: installing {', '.join(modules)} without demo data into "
            f"'{dbname}' (a few minutes; log: {logfile})"
        )
        seconds = odoo_init(
            pg,
            conf,
            dbname,
            ["-i", ",".join(modules), "--without-demo=all"],
            logfile,
            f"installing {dbname}",
        )
        say(f"database: '{dbname}' ready in {seconds:.0f} s")
    if ours:
        with contextlib.closing(pg.connect(dbname)) as conn, conn.cursor() as cr:
            cr.execute(
                """INSERT INTO ir_config_parameter (key, value, create_date,
                          write_date)
                   VALUES (%s, %s, now() at time zone 'utc', now() at time zone 'utc')
                   ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value""",
                [BENCH_DIGEST_KEY, digest],
            )


def bench_names():
    """(every benchmark, the Point of Sale ones), from tests/benchmarks."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from tests.benchmarks import BENCHMARKS, POS_BENCHMARKS

    return BENCHMARKS, POS_BENCHMARKS


def cmd_bench(pg, args):
    """The speed targets, measured against a database without loyalty_points."""
    only = []
    if "--only" in args:
        index = args.index("--only")
        only, args = args[index + 1 :], args[:index]
    if any(arg != "--small" for arg in args) or ("--only" in args and not only):
        raise SetupError("usage: ./dev bench [--small] [--only NAME ...]")
    benchmarks, pos_benchmarks = bench_names()
    unknown = [name for name in only if name not in benchmarks]
    if unknown:
        raise SetupError(
            f"no benchmark {', '.join(unknown)}: choose among {', '.join(benchmarks)}."
        )
    selected = only or benchmarks
    size = "small" if "--small" in args else "full"
    pg.ensure()
    logfile = os.path.join(STATE, "odoo-bench.log")
    with contextlib.suppress(FileNotFoundError):
        os.remove(logfile)
    # Each pair of databases is built only for the benchmarks that use it: the
    # Point of Sale is not installed for --only accrual, nor account's pair for
    # --only pos_sync.
    pairs = []
    if any(name not in pos_benchmarks for name in selected):
        pairs.append((("--db", "--baseline-db"), BENCH_DB, BENCH_BASE_DB))
    if any(name in pos_benchmarks for name in selected):
        pairs.append(
            (("--pos-db", "--pos-baseline-db"), BENCH_POS_DB, BENCH_POS_BASE_DB)
        )
    confs, db_args = {}, []
    for options, ours, base in pairs:
        for dbname, modules in (base, ours):
            confs[dbname] = write_config(pg, f"odoo-{dbname}", 0, logfile, dbname)
            bench_database(pg, confs[dbname], dbname, modules, logfile)
            # Earlier runs, rolled back, left dead rows and swollen indexes behind
            # (the 100,000 customers of a search benchmark): both databases start
            # compact, with fresh statistics, so that PostgreSQL works alike in both.
            with contextlib.closing(pg.connect(dbname)) as conn, conn.cursor() as cr:
                cr.execute("VACUUM FULL ANALYZE")
        db_args += [options[0], ours[0], options[1], base[0]]
    say(
        f"bench: {size} size; each benchmark builds its data in a transaction that "
        "is rolled back; the accrual, redeem, portal and Point of Sale ones run in "
        "both databases turn about, one process each. Timings depend on the machine "
        f"and on what else runs on it (Odoo log: {logfile})"
    )
    output = os.path.join(STATE, "bench.json")
    with contextlib.suppress(FileNotFoundError):
        os.remove(output)
    cmd = [
        sys.executable,
        "-m",
        "tests.benchmarks",
        "--config",
        confs[pairs[0][1][0]],
        *db_args,
        "--size",
        size,
        "--output",
        output,
        *(["--only", *only] if only else []),
    ]
    result = subprocess.run(cmd, cwd=ROOT, env=pg.environ(), check=False)
    if result.returncode or not os.path.exists(output):
        raise SetupError(
            f"the benchmarks failed; the output above and the end of {logfile} say why."
        )
    # Each benchmark printed its lines as it finished (a run cut short keeps
    # them); the summary gathers them at the end of a long output.
    say(f"bench: summary of the run ({output})")
    return subprocess.run(
        [sys.executable, "-m", "tests.benchmarks", "--report", output],
        cwd=ROOT,
        env=pg.environ(),
        check=False,
    ).returncode


def cmd_i18n(pg):
    """Export each addon's .pot from the test database (installed by ./dev test) and
    merge every .po with it, keeping existing translations."""
    import polib

    pg.ensure()
    logfile = os.path.join(STATE, "odoo-i18n.log")
    conf = write_config(pg, "odoo-i18n", 0, logfile, TEST_DB)
    if database_state(pg, TEST_DB) is None:
        raise SetupError(f"no '{TEST_DB}' database: run ./dev test first.")
    for addon in ADDONS:
        folder = os.path.join(ROOT, addon, "i18n")
        os.makedirs(folder, exist_ok=True)
        pot_path = os.path.join(folder, f"{addon}.pot")
        odoo_init(
            pg,
            conf,
            TEST_DB,
            [f"--i18n-export={pot_path}", f"--modules={addon}"],
            logfile,
            f"exporting the {addon} terms",
        )
        pot = polib.pofile(pot_path)
        for po_path in glob.glob(os.path.join(folder, "*.po")):
            po = polib.pofile(po_path)
            po.merge(pot)
            po.save(po_path)
        say(f"i18n: {addon}: {len(pot)} terms in {pot_path}")
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv):
    command, args = argv[0], argv[1:]
    # Ctrl-C and kill both end in the clean-up below, even when the shell that started
    # us ignores SIGINT (a background job of a non-interactive shell).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    pg = Postgres()
    try:
        if command == "run":
            return cmd_run(pg)
        if command == "test":
            return cmd_test(pg, args)
        if command == "bench":
            return cmd_bench(pg, args)
        if command == "reliability":
            return cmd_reliability(pg, args)
        if command == "screenshots":
            return cmd_screenshots(pg, args)
        if command == "i18n":
            return cmd_i18n(pg)
        if command == "shell":
            pg.ensure()
            conf = write_config(
                pg, "odoo-run", 8069, os.path.join(STATE, "odoo-shell.log"), RUN_DB
            )
            return subprocess.run(
                [*odoo_bin(), "shell", "-c", conf, "-d", RUN_DB],
                env=pg.environ(),
                check=False,
            ).returncode
        raise SetupError(f"unknown command {command}")
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:
        say("stopping")
        return 130
    finally:
        # The test command ends with pytest's summary line: stop without a word.
        pg.stop(quiet=command == "test")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
