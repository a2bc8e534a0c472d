"""(f) The customer portal, as a customer's portal user: ``/my/points`` for the
customer of the balance benchmark (``size`` ledger entries: lots over two years, the
ten newest pending, redemptions, after the nightly expiry job), and ``/my`` with the
points card against ``/my`` without it (the card's view archived and the program
off: what the addon then adds to ``/my`` is one cached program lookup). The requests
go through Odoo's WSGI application in this process (werkzeug's test client) on the
benchmark's own transaction (the registry's test mode, as Odoo's HttpCase does), so
that they read the data built and are rolled back with it. Each figure is the median
of several requests after two warm-up ones (the first renders build the assets); the
two ``/my`` variants run in alternating blocks."""

import time

from werkzeug.test import Client

from odoo import Command, api, http
from odoo.service import security

from . import balance
from .common import analyze, median, timed

SIZES = {"full": 100_000, "small": 10_000}
TARGET_MS = 300.0
TARGET_RATIO = 1.05
REQUESTS = 15
BLOCKS = 3
CARD_VIEW = "loyalty_points_portal.portal_my_home_loyalty_points"


def _portal_user(env, partner):
    return (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": "Benchmark portal customer",
                "login": "benchmark_portal_customer",
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


def run(env, size):
    if "loyalty.points.entry" not in env or not env.ref(CARD_VIEW, False):
        raise RuntimeError("the benchmark database lacks loyalty_points_portal")
    started = time.perf_counter()
    partner = balance.build(env, size)
    env["loyalty.points.entry"]._cron_expire_points()
    user = _portal_user(env, partner)
    program = env["loyalty.points.program"]._program_for_company()
    env.flush_all()
    analyze(env)
    build_seconds = time.perf_counter() - started
    registry = env.registry
    # Already in test mode under an HttpCase (the smoke test): its cursor serves.
    entered = not registry.in_test_mode()
    if entered:
        registry.enter_test_mode(env.cr)
    session = _session(env, user)
    try:
        get = _getter(session)
        for _i in range(2):
            page = get("/my/points")
        rows = page.count(b"o_loyalty_points_entry")
        _page, points_times = timed(lambda: get("/my/points"), REQUESTS)
        card_times, bare_times = [], []
        view = env.ref(CARD_VIEW)
        for _block in range(BLOCKS):
            for with_card, times in ((True, card_times), (False, bare_times)):
                view.active = with_card
                program.state = "on" if with_card else "off"
                env.flush_all()
                for _i in range(2):
                    home = get("/my")
                if with_card != (b"o_loyalty_points_card" in home):
                    raise RuntimeError("/my shows the card when it should not")
                times += timed(lambda: get("/my"), REQUESTS)[1]
    finally:
        http.root.session_store.delete(session)
        if entered:
            registry.leave_test_mode()
    return {
        "entries": size,
        "history_rows": rows,
        "points_median_ms": median(points_times),
        "points_max_ms": max(points_times),
        "home_median_ms": median(card_times),
        "home_without_card_median_ms": median(bare_times),
        "requests": REQUESTS,
        "build_seconds": build_seconds,
    }
