"""Data builders shared by the benchmarks: the program, and partners, ledger entries
and allocations inserted with set-based SQL (the balance table follows through the
ledger's statement-level trigger)."""

import os
import statistics
import time

from odoo import Command, fields
from odoo.tools import SQL

PROGRAM_VALS = {
    "state": "on",
    "date_start": "2020-01-01",
    "rate_type": "per_currency",
    "rate": 2.0,
    "multiplier": 1.0,
    "mode": "transaction",
    "min_amount": 0.0,
    "amount_basis": "untaxed",
    "points_rounding": 1.0,
    "enrolled_only": False,
    "point_value": 0.01,
    "pending_hours": 0,
    "expiry_days": 365,
}


def process_cpu(pid):
    """CPU seconds that process ``pid`` has used, None when /proc cannot tell (for
    a PostgreSQL on another machine)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields_ = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields_[11]) + int(fields_[12])) / os.sysconf("SC_CLK_TCK")


def ensure_program(env, company=None):
    """The program covering ``company`` (the current one), on, at 2 points per 1.00;
    None in a database without loyalty_points (the baseline)."""
    if "loyalty.points.program" not in env:
        return None
    company = company or env.company
    Program = env["loyalty.points.program"]
    program = Program._program_for_company(company)
    if program:
        program.write(PROGRAM_VALS)
    else:
        program = Program.create(
            {
                **PROGRAM_VALS,
                "name": "Benchmark Club",
                "company_ids": [Command.set(company.ids)],
                "currency_id": company.currency_id.id,
            }
        )
    env.flush_all()
    return program


def reserve_ids(env, table, count):
    """The first of ``count`` consecutive ids taken from ``table``'s sequence, so
    that set-based inserts can refer to rows they insert in another statement."""
    [(sequence,)] = env.execute_query(
        SQL("SELECT pg_get_serial_sequence(%s, 'id')", table)
    )
    [(first,)] = env.execute_query(SQL("SELECT nextval(%s)", sequence))
    env.execute_query(SQL("SELECT setval(%s, %s)", sequence, first + count - 1))
    return first


def insert_partners(env, count, prefix):
    """Ids of ``count`` new company partners (their own commercial partner)."""
    first = reserve_ids(env, "res_partner", count)
    now = fields.Datetime.now()
    env.cr.execute(
        SQL(
            """
            INSERT INTO res_partner (id, commercial_partner_id, name, complete_name,
                   active, is_company, type, autopost_bills,
                   create_uid, write_uid, create_date, write_date)
            SELECT %(first)s + g, %(first)s + g, %(prefix)s || g, %(prefix)s || g,
                   true, true, 'contact', 'ask',
                   %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM generate_series(0, %(count)s - 1) g
            """,
            first=first,
            prefix=prefix,
            count=count,
            uid=env.uid,
            now=now,
        )
    )
    env.invalidate_all()
    return list(range(first, first + count))


def insert_entries(env, program, select):
    """Insert as ledger entries of ``program`` (in the current company) the rows of
    ``select``, an SQL query with the columns id, partner_id, kind, points, date,
    available_date, expiry_date; the other NOT NULL columns are filled here."""
    env.cr.execute(
        SQL(
            """
            INSERT INTO loyalty_points_entry (id, partner_id, program_id, company_id,
                   kind, points, date, available_date, expiry_date, earn_cycle,
                   amount_basis, user_id, create_uid, write_uid, create_date,
                   write_date)
            SELECT s.id, s.partner_id, %(program)s, %(company)s,
                   s.kind, s.points, s.date, s.available_date, s.expiry_date, 0,
                   0, %(uid)s, %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM (%(select)s) s
            """,
            program=program.id,
            company=env.company.id,
            uid=env.uid,
            now=fields.Datetime.now(),
            select=select,
        )
    )


def insert_allocations(env, select):
    """Insert the rows of ``select`` (columns consumer_id, lot_id, points)."""
    env.cr.execute(
        SQL(
            """
            INSERT INTO loyalty_points_allocation (consumer_id, lot_id, points,
                   create_uid, write_uid, create_date, write_date)
            SELECT s.consumer_id, s.lot_id, s.points,
                   %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM (%(select)s) s
            """,
            uid=env.uid,
            now=fields.Datetime.now(),
            select=select,
        )
    )


def analyze(env):
    """Planner statistics for the tables the benchmarks filled, as autovacuum keeps
    them in a live database (ANALYZE sees this transaction's own rows)."""
    env.invalidate_all()
    env.cr.execute(
        "ANALYZE res_partner, loyalty_points_entry, loyalty_points_allocation, "
        "loyalty_points_balance"
    )


def entry_sum(env, partner_ids):
    """SUM(points) of the ledger per partner of ``partner_ids``."""
    rows = env.execute_query(
        SQL(
            """SELECT partner_id, SUM(points) FROM loyalty_points_entry
                WHERE partner_id = ANY(%s) GROUP BY partner_id""",
            list(partner_ids),
        )
    )
    return {partner_id: float(points) for partner_id, points in rows}


def timed(function, repeat):
    """(result of the last call, [milliseconds of each call])."""
    result, times = None, []
    for _i in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000.0)
    return result, times


def median(values):
    return statistics.median(values) if values else 0.0


def balance_mismatches(env, program, partner_ids):
    """How many of ``partner_ids`` have a balance row that is not the SUM of
    their ledger in ``program``."""
    [(mismatched,)] = env.execute_query(
        SQL(
            """
            SELECT COUNT(*)
              FROM unnest(%(partners)s::int[]) p(id)
              LEFT JOIN loyalty_points_balance b
                     ON b.partner_id = p.id AND b.program_id = %(program)s
             WHERE COALESCE(b.points, 0) IS DISTINCT FROM
                   (SELECT COALESCE(SUM(e.points), 0) FROM loyalty_points_entry e
                     WHERE e.partner_id = p.id AND e.program_id = %(program)s)
            """,
            partners=list(partner_ids),
            program=program.id,
        )
    )
    return mismatched


def voucher_journal(env, name="Vouchers", code="VOUB"):
    """For a baseline without loyalty_points: a bank journal that clears the
    receivable against a current liability, as the points journal does (a prepaid
    voucher's journal), so that paying in it books the same accounting as paying
    with points and what a benchmark compares is the addon's work."""
    company = env.company
    bank = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "bank")],
        order="id",
        limit=1,
    )
    if not bank:
        raise RuntimeError(
            f"The company {company.name} has no bank journal: install a chart "
            "of accounts in the benchmark database."
        )
    Account = env["account.account"]
    sample = Account.search(
        [
            ("company_ids", "in", company.id),
            ("account_type", "=", "liability_current"),
        ],
        order="code desc",
        limit=1,
    )
    liability = Account.create(
        {
            "name": f"Prepaid {name.lower()}",
            "code": Account._search_new_account_code(sample.code or "999000"),
            "account_type": "liability_current",
            "company_ids": [Command.set(company.ids)],
        }
    )
    journal = bank.copy(
        {"name": name, "code": code, "default_account_id": liability.id}
    )
    (
        journal.inbound_payment_method_line_ids
        | journal.outbound_payment_method_line_ids
    ).payment_account_id = liability
    return journal
