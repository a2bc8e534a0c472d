"""The same work in two databases, turn about, each database in its own process.

A benchmark that compares the addon's database with its baseline defines a
``Workload(env, size)`` with ``turns`` (how many measures), ``warm_up()``,
``measure(index)`` and ``result()``. Turn about, measure ``index`` runs in one
database and then in the other, the first one alternating (ABBA), and never both at
once: the load of the machine weighs on both alike.

``in_processes`` gives each database a process of its own, as a server's worker
serves one database at a time: two registries alternating request by request in one
Python process slow each other down in ways no server sees (the addon's side of the
Point of Sale sync measured 1.16x the baseline that way, and 1.03x with a process
per database). The processes only take turns: each builds its data, warms up and
measures when told to, and reports its result; the pipe between them is outside
every measure. Each process and its PostgreSQL backend run on one CPU, the same
for both (``_pin``): where the scheduler puts them weighed more than the addon.
Without a baseline, ``run(env, size)`` of the benchmark's module does
the same work in the caller's process.
"""

import contextlib
import gc
import importlib
import multiprocessing
import os
import re
import traceback


@contextlib.contextmanager
def environment(registry):
    """A superuser environment in a transaction that is rolled back at the end."""
    import odoo

    cr = registry.cursor()
    try:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    finally:
        cr.rollback()
        # What the registry's caches learnt in the transaction goes with it, as
        # after a failed request (the program of a company, for one).
        registry.reset_changes()
        cr.close()


def vacuum(dbname):
    """VACUUM FULL the database before a benchmark builds its data in it, so
    that every process starts from the same compact tables and indexes.

    Each run leaves the rows it built behind, rolled back: dead rows until
    autovacuum passes, when it likes (a process built before it scanned
    100,000 live customers and 100,000 dead ones, and the till's ranking of
    its customers took 41 ms instead of 26), and index pages that only a
    rewrite gives back (res_partner's indexes had grown to 49 MB for 6
    partners, and a fresh copy of the baseline measured 0.967x to 0.973x
    against the baseline itself; 1.006x once both were rewritten). Run by the
    lead process, before each pair's processes start: nobody else holds a
    lock on the benchmark's databases then."""
    import odoo

    cr = odoo.sql_db.db_connect(dbname).cursor()
    try:
        cr._cnx.autocommit = True  # VACUUM runs outside a transaction
        cr.execute("SET lock_timeout = '60s'")  # rather than wait for ever
        cr.execute("VACUUM FULL")
    finally:
        cr.close()


def _turns(turns):
    """The (first, second) order of each turn: baseline first on even turns."""
    for index in range(turns):
        yield index, (("base", "ours") if index % 2 == 0 else ("ours", "base"))


def _end_of_request(first=False):
    """Free what the request just measured left behind, outside the measure, as the
    end of its transaction would on a server.

    The turns share one transaction (rolled back at the end), and Odoo looks for an
    existing environment among all those of the transaction each time it makes one
    (``Environment.__new__``). The environments of the earlier turns are garbage,
    but in reference cycles that only a full collection frees, which a process with
    a registry loaded seldom runs: kept, they make every new environment slower,
    turn after turn, the more so for a request whose context is its own (the till's
    ``loyalty_points_strict_uuids``), as no later request finds its environments.
    On a server each request has a transaction of its own and never sees them. So
    each worker collects its garbage after every turn; after the warm-up it first
    freezes what it holds then (the registry, the caches), so that each collection
    looks only at what the turns made."""
    gc.collect()
    if first:
        gc.freeze()


def _pin(env):
    """Run this process and its PostgreSQL backend on one CPU, the same for
    both databases (the last this process may use); returns it, or None when
    the backend could not be pinned (PostgreSQL on another machine, or no
    right to).

    Unpinned, the scheduler places each process and its backend on the same
    core or on two, and mostly keeps them there for the process's life: the
    same database measured against a copy of itself in two processes gave
    /my 0.886x to 1.149x, pinned 0.985x to 0.999x (portal, 201 requests)."""
    cpu = max(os.sched_getaffinity(0))
    cnx = env.cr._cnx
    host = cnx.info.host or ""
    env.cr.execute("SELECT pg_backend_pid()")
    backend = env.cr.fetchone()[0]
    try:
        # Only a backend on this machine (a Unix socket), checked to be one.
        if not host.startswith("/"):
            return None
        with open(f"/proc/{backend}/comm", encoding="ascii") as comm:
            if comm.read().strip() != "postgres":
                return None
        os.sched_setaffinity(backend, {cpu})
    except OSError:
        return None
    os.sched_setaffinity(0, {cpu})
    return cpu


def _serve(conn, config, dbname, module_name, size):
    """A worker process: one database's workload, run step by step as told."""
    try:
        import odoo
        from odoo.modules.registry import Registry

        # The one configuration names the lead database: this process serves its
        # own (the portal's requests go through the database filter).
        odoo.tools.config.parse_config(
            ["-c", config, "-d", dbname, f"--db-filter=^{re.escape(dbname)}$"]
        )
        module = importlib.import_module(module_name)
        with environment(Registry(dbname)) as env:
            workload = module.Workload(env, size)
            # Built with the machine to itself; measured on one CPU.
            pinned = _pin(env)
            conn.send(("ok", workload.turns))
            while True:
                step, *args = conn.recv()
                if step == "stop":
                    break
                value = getattr(workload, step)(*args)
                if step == "result":
                    value = {**value, "pinned_cpu": pinned}
                if step in ("warm_up", "measure"):
                    _end_of_request(first=step == "warm_up")
                conn.send(("ok", value))
        conn.send(("ok", None))
    except Exception:  # pylint: disable=broad-except
        # The lead process raises it with the worker's traceback.
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


class _Worker:
    def __init__(self, context, config, dbname, module_name, size):
        self.dbname = dbname
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve,
            args=(child, config, dbname, module_name, size),
            name=f"bench {module_name} {dbname}",
            daemon=True,
        )
        self.process.start()
        child.close()

    def reply(self):
        try:
            status, value = self.conn.recv()
        except EOFError:
            raise RuntimeError(
                f"the benchmark's process for {self.dbname} died "
                f"(exit code {self.process.exitcode})"
            ) from None
        if status == "error":
            raise RuntimeError(
                f"in the benchmark's process for {self.dbname}:\n{value}"
            )
        return value

    def call(self, step, *args):
        self.conn.send((step, *args))
        return self.reply()

    def stop(self):
        with contextlib.suppress(OSError, RuntimeError):
            self.call("stop")
        self.process.join(60)
        if self.process.is_alive():
            self.process.kill()
        self.conn.close()


def in_processes(module_name, config, dbname, baseline_db, size, pair=0):
    """(result, baseline result) of ``module_name``'s work, turn about, with each
    database in a process of its own (started fresh, rolled back at the end).

    ``pair`` numbers the pairs of processes of one benchmark: the baseline's
    process starts, builds and warms up first in even pairs, last in odd ones.
    Measured against a copy of itself, the database whose process came second
    was faster in most pairs (0.967x and 0.993x over 8 pairs)."""
    context = multiprocessing.get_context("spawn")
    workers = {}
    roles = ("base", "ours") if pair % 2 == 0 else ("ours", "base")
    databases = {"base": baseline_db, "ours": dbname}
    try:
        # One after the other: each builds its data with the machine to itself.
        for role in roles:
            workers[role] = _Worker(context, config, databases[role], module_name, size)
            turns = workers[role].reply()
        for role in roles:
            workers[role].call("warm_up")
        for index, order in _turns(turns):
            for role in order:
                workers[role].call("measure", index)
        return workers["ours"].call("result"), workers["base"].call("result")
    finally:
        for worker in workers.values():
            worker.stop()
