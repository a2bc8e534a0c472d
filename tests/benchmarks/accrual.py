"""(a) Posting and paying customer invoices, with the program on, against the same
work in a database without loyalty_points: the accrual's overhead.

Each invoice is posted, then paid in full through the register-payment wizard on the
company's first bank journal, one at a time as at a counter. The invoices (two lines,
no taxes) are created as drafts first, outside the measure; a few more are posted and
paid first, outside it too, to warm the caches up."""

import time

from odoo import Command, fields
from odoo.tools import SQL

from .common import ensure_program

SIZES = {"full": 1000, "small": 100}
TARGET_RATIO = 1.03


def _invoice_vals(customers, product, index):
    return {
        "move_type": "out_invoice",
        "partner_id": customers[index % len(customers)].id,
        "invoice_date": fields.Date.today(),
        "invoice_line_ids": [
            Command.create(
                {
                    "product_id": product.id,
                    "quantity": 1 + index % 3,
                    "price_unit": 10.0 + index % 90,
                    "tax_ids": [Command.clear()],
                }
            ),
            Command.create(
                {
                    "product_id": product.id,
                    "quantity": 1,
                    "price_unit": 25.0,
                    "tax_ids": [Command.clear()],
                }
            ),
        ],
    }


def _post(invoice):
    invoice.action_post()
    invoice.env.flush_all()


def _pay(invoice, journal):
    invoice.env["account.payment.register"].with_context(
        active_model="account.move", active_ids=invoice.ids
    ).create(
        {"journal_id": journal.id, "payment_date": fields.Date.today()}
    )._create_payments()
    invoice.env.flush_all()


def run(env, size):
    company = env.company
    program = ensure_program(env, company)
    journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "bank")], order="id", limit=1
    )
    product = env["product.product"].create(
        {
            "name": "Benchmark service",
            "type": "service",
            "list_price": 50.0,
            "taxes_id": [Command.clear()],
        }
    )
    customers = env["res.partner"].create(
        [
            {"name": f"Benchmark customer {i}", "is_company": True}
            for i in range(max(size // 10, 1))
        ]
    )
    warm = max(3, size // 20)
    invoices = env["account.move"].create(
        [_invoice_vals(customers, product, i) for i in range(warm + size)]
    )
    env.flush_all()
    for invoice in invoices[:warm]:
        _post(invoice)
        _pay(invoice, journal)
    post_seconds = pay_seconds = 0.0
    measured = invoices[warm:]
    for invoice in measured:
        started = time.perf_counter()
        _post(invoice)
        posted = time.perf_counter()
        _pay(invoice, journal)
        pay_seconds += time.perf_counter() - posted
        post_seconds += posted - started
    result = {
        "invoices": size,
        "seconds": post_seconds + pay_seconds,
        "post_seconds": post_seconds,
        "pay_seconds": pay_seconds,
        "paid": len(
            measured.filtered(lambda m: m.payment_state in ("paid", "in_payment"))
        ),
        "loyalty_points": bool(program),
    }
    if program:
        [(earned, points)] = env.execute_query(
            SQL(
                """SELECT COUNT(DISTINCT move_id), COALESCE(SUM(points), 0)
                     FROM loyalty_points_entry WHERE move_id = ANY(%s)""",
                measured.ids,
            )
        )
        expected = sum(
            program._round_points(2.0 * invoice.amount_untaxed) for invoice in measured
        )
        result.update(earned=earned, points=float(points), expected_points=expected)
    return result
