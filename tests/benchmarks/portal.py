"""(f) The customer portal, as customers' portal users: ``/my/points`` for the
customer of the balance benchmark (``size`` ledger entries: lots over two years, the
ten newest pending, redemptions, after the nightly expiry job), and ``/my`` with the
points card for a customer with the ledger of a regular (``REGULAR_ENTRIES``
entries, built alike) against ``/my`` in the baseline database, without
loyalty_points, for a customer without any (the same portal, the same accounting, no
invoice in either); ``/my`` for the customer with ``size`` entries is measured too.
The requests go through Odoo's WSGI application in the database's process
(werkzeug's test client) on the benchmark's own transaction (the registry's test
mode, as Odoo's HttpCase does), so that they read the data built and are rolled
back with it. Two requests of each page warm up (the first renders build the
assets); then each turn requests the regular's ``/my`` once in each database, turn
about (``turnabout``), and in the addon's the big customer's ``/my/points`` and
``/my``; the medians are compared."""

import time

from werkzeug.test import Client

from odoo import Command, api, http
from odoo.service import security

from . import balance
from .common import analyze, median, timed

SIZES = {"full": 100_000, "small": 10_000}
TARGET_MS = 300.0
TARGET_RATIO = 1.05
REQUESTS = 101
WARM = 2
REGULAR_ENTRIES = 60
CARD_VIEW = "loyalty_points_portal.portal_my_home_loyalty_points"


def _portal_user(env, partner, login):
    return (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": f"Benchmark portal customer {login}",
                "login": f"benchmark_portal_{login}",
                "partner_id": partner.id,
                "groups_id": [Command.set([env.ref("base.group_portal").id])],
            }
        )
    )


def _session(env, user):
    """A logged-in session of ``user``, as the login form makes it."""
    session = http.root.session_store.new()
    session.update(http.get_default_session(), db=env.cr.dbname)
    user_env = api.Environment(env.cr, user.id, {})
    session.uid = user.id
    session.login = user.login
    session.session_token = security.compute_session_token(session, user_env)
    session.context = dict(user_env["res.users"].context_get())
    http.root.session_store.save(session)
    return session


def _getter(session):
    # No cookie jar: it would replace the session cookie set below.
    client = Client(http.root, use_cookies=False)
    headers = {"Cookie": f"session_id={session.sid}"}

    def get(url):
        response = client.get(url, headers=headers)
        body = response.get_data()
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}: {body[:300]}")
        return body

    return get


class Workload:
    """One database's portal customers, logged in: a regular, and in the database
    with the addon the customer with the points of the balance benchmark."""

    def __init__(self, env, size):
        started = time.perf_counter()
        self.env = env
        self.size = size
        self.turns = REQUESTS
        self.points = "loyalty.points.entry" in env
        if self.points:
            if not env.ref(CARD_VIEW, False):
                raise RuntimeError("the benchmark database lacks loyalty_points_portal")
            big = balance.build(env, size)
            regular = balance.build(env, REGULAR_ENTRIES)
            env["loyalty.points.entry"]._cron_expire_points()
        else:
            regular = env["res.partner"].create({"name": "Benchmark regular customer"})
        users = {"regular": _portal_user(env, regular, "regular")}
        if self.points:
            users["big"] = _portal_user(env, big, "big")
        env.flush_all()
        if self.points:
            analyze(env)
        else:
            env.cr.execute("ANALYZE res_partner")
        self.build_seconds = time.perf_counter() - started
        self.registry = env.registry
        # Already in test mode under an HttpCase (the smoke test): its cursor serves.
        self.entered = not self.registry.in_test_mode()
        if self.entered:
            self.registry.enter_test_mode(env.cr)
        self.sessions = {name: _session(env, user) for name, user in users.items()}
        self.get = {name: _getter(session) for name, session in self.sessions.items()}
        self.times = {"home": [], "big_home": [], "points": []}
        self.rows = None

    def _pages(self):
        """(name, customer, url) of the pages each turn requests."""
        yield "home", "regular", "/my"
        if self.points:
            yield "points", "big", "/my/points"
            yield "big_home", "big", "/my"

    def warm_up(self):
        for _i in range(WARM):
            pages = {name: self.get[who](url) for name, who, url in self._pages()}
        if self.points != (b"o_loyalty_points_card" in pages["home"]):
            raise RuntimeError("/my shows the points card only with the addon")
        if self.points:
            self.rows = pages["points"].count(b"o_loyalty_points_entry")

    def measure(self, _index=None):
        for name, who, url in self._pages():
            self.times[name] += timed(lambda who=who, url=url: self.get[who](url), 1)[1]

    def result(self):
        """The medians; the last step: the sessions and the test mode end here."""
        for session in self.sessions.values():
            http.root.session_store.delete(session)
        if self.entered:
            self.registry.leave_test_mode()
            self.entered = False
        result = {
            "requests": len(self.times["home"]),
            "home_median_ms": median(self.times["home"]),
            "build_seconds": self.build_seconds,
            "loyalty_points": self.points,
        }
        if self.points:
            result.update(
                entries=self.size,
                regular_entries=REGULAR_ENTRIES,
                history_rows=self.rows,
                points_median_ms=median(self.times["points"]),
                points_max_ms=max(self.times["points"]),
                big_home_median_ms=median(self.times["big_home"]),
            )
        return result


def run(env, size):
    workload = Workload(env, size)
    workload.warm_up()
    for index in range(workload.turns):
        workload.measure(index)
    return workload.result()
