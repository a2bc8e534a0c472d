"""Rules of the test command on top of pytest-odoo.

- A browser test (any ``HttpCase``) that is skipped fails instead: a tour skipped as
  Chromium or websocket-client is missing must not pass.
- An ERROR or CRITICAL record that Odoo logs fails the test during which it was logged,
  and one logged outside any test fails the session. Tests that expect an error silence
  it with ``odoo.tools.mute_logger``, whose records never reach the root logger.
"""

import logging
import os

import pytest


class _ErrorRecords(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []
        self.seen = 0

    def emit(self, record):
        self.records.append(record)

    def take(self):
        new = self.records[self.seen :]
        self.seen = len(self.records)
        return new


_errors = _ErrorRecords()


def _describe(records):
    return "\n".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in records)


def pytest_configure(config):
    logging.getLogger().addHandler(_errors)


@pytest.fixture(scope="session", autouse=True)
def _read_manifests_once(load_registry):
    """Read the addons' manifests once, before any browser test: a browser's first
    parallel requests would each parse them in their own thread, and CPython
    3.11.7's parser can fail doing that concurrently ("AST constructor recursion
    depth mismatch")."""
    from odoo import http

    assert http.root.statics


def _is_browser_test(item):
    try:
        from odoo.tests import HttpCase
    except ImportError:
        return False
    return isinstance(getattr(item, "instance", None), HttpCase)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    logged = _errors.take()
    if logged and not report.failed:
        report.outcome = "failed"
        report.longrepr = (
            f"Odoo logged errors during {report.when}:\n{_describe(logged)}"
        )
    elif report.skipped and _is_browser_test(item):
        reason = (
            report.longrepr[2]
            if isinstance(report.longrepr, tuple)
            else report.longrepr
        )
        report.outcome = "failed"
        report.longrepr = (
            f"browser test skipped ({reason}); browser tests must run: install "
            "chromium (apt-get install chromium) and websocket-client"
        )


def pytest_sessionfinish(session, exitstatus):
    logged = _errors.take()
    if logged:
        session.config._loyalty_errors = logged
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    logged = getattr(terminalreporter.config, "_loyalty_errors", None)
    if logged:
        terminalreporter.section("Odoo logged errors outside any test")
        terminalreporter.line(_describe(logged))
    # The reliability suite's table (tests/reliability/report.py), when it ran.
    from tests.reliability.report import table

    lines = table(os.environ.get("LOYALTY_RELIABILITY_REPORT"))
    if lines:
        terminalreporter.section("reliability")
        for line in lines:
            terminalreporter.write_line(line)
