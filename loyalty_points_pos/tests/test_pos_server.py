# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import threading
import uuid
from datetime import date, timedelta

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.loyalty_points.tests.common import (
    RealConnectionsCase,
    _immutability_triggers,
)

from ..hooks import post_init_hook
from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestPosServer(LoyaltyPointsPosCommon):
    """The rules of the server at the counter that test_pos_points leaves out:
    the program's status, start date, enrolment and multiplier, cumulative
    spend across invoices and orders, a queue of offline orders, refunds in
    several steps, the set-up of the points method, and the liability report
    while a session is open."""

    # ------------------------------------------------------------------ earning
    def test_status_start_date_enrolment_multiplier(self):
        """An order earns by the same program rules as an invoice: nothing while
        the program is off, before its start date, or for a customer not
        enrolled when only enrolled customers earn; in test mode it earns; the
        multiplier applies on top."""
        cash = [(self.cash_pm1, 50)]
        self.program.state = "off"
        self._sync([(self.product, 1)], cash)
        self.assertEqual(self._points(), 0.0, "the program is off")
        self.program.state = "test"
        self._sync([(self.product, 1)], cash)
        self.assertEqual(self._points(), 100.0, "test mode earns (staff see it)")
        self.program.state = "on"
        self.program.date_start = fields.Date.today() + timedelta(days=1)
        order = self._sync([(self.product, 1)], cash)
        self.assertEqual(self._points(), 100.0, "before the start date")
        self.assertFalse(order.loyalty_points_earned)
        self.program.date_start = "2020-01-01"
        self.program.enrolled_only = True
        self._sync([(self.product, 1)], cash)
        self.assertEqual(self._points(), 100.0, "not enrolled")
        self.customer.loyalty_points_enrolled = True
        self._sync([(self.product, 1)], cash)
        self.assertEqual(self._points(), 200.0, "enrolled")
        self.program.multiplier = 3.0
        order = self._sync([(self.product, 1)], cash)
        self.assertEqual(order.loyalty_points_earned, 300.0, "50.00 x 2 x 3")

    def test_cumulative_spend_with_invoices(self):
        """Cumulative spend: the customer's invoices and orders add up toward the
        next step, whichever kind of ticket reaches it."""
        self.program.write(
            {
                "mode": "cumulative",
                "rate_type": "per_step",
                "step_amount": 100.0,
                "step_points": 10.0,
            }
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "quantity": 1.0,
                            "price_unit": 60.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {"journal_id": self.company_data["default_journal_bank"].id}
        )._create_payments()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self._points(), 0.0, "60.00 is below the first step")
        order = self._sync([(self.product, 1)], [(self.cash_pm1, 50)])
        self.assertEqual(order.loyalty_points_earned, 10.0, "60 + 50 passes 100")
        self._sync([(self.product, 1)], [(self.cash_pm1, 50)])
        self.assertEqual(self._points(), 10.0, "160.00 is still one step")
        self._sync([(self.product, 1)], [(self.cash_pm1, 50)])
        self.assertEqual(self._points(), 20.0, "210.00: two steps")

    # ------------------------------------------------------------------ offline
    def test_batch_of_offline_orders(self):
        """The queue of a till that was offline, synced in one call: each order
        earns or redeems once, a shortfall keeps the sale; the same batch sent
        again writes nothing."""
        self._grant(1500)
        batch = [
            self.create_ui_order_data(
                [(self.product, 1)],
                customer=self.customer,
                payments=[(self.cash_pm1, 50)],
            ),
            self.create_ui_order_data(
                [(self.product, 2)],
                customer=self.other_customer,
                payments=[(self.cash_pm1, 100)],
            ),
            self.create_ui_order_data(
                [(self.product, 1)],
                customer=self.customer,
                payments=[(self.points_pm, 10), (self.cash_pm1, 40)],
            ),
            # The till read 1,500 points before going offline; the order above
            # took 1,000 of them: this one overdraws.
            self.create_ui_order_data(
                [(self.product, 1)],
                customer=self.customer,
                payments=[(self.points_pm, 15), (self.cash_pm1, 35)],
            ),
        ]
        self.env["pos.order"].sync_from_ui([dict(data) for data in batch])
        by_uuid = {
            order.uuid: order
            for order in self.env["pos.order"].search(
                [("uuid", "in", [data["uuid"] for data in batch])]
            )
        }
        orders = self.env["pos.order"].concat(
            *(by_uuid[data["uuid"]] for data in batch)
        )
        self.assertEqual(len(orders), 4)
        self.assertEqual(set(orders.mapped("state")), {"paid"})
        self.assertRecordValues(
            self._entries(),
            [
                {"kind": "adjust", "points": 1500.0, "pos_order_id": False},
                {"kind": "earn", "points": 100.0, "pos_order_id": orders[0].id},
                {"kind": "redeem", "points": -1000.0, "pos_order_id": orders[2].id},
                {"kind": "redeem", "points": -1500.0, "pos_order_id": orders[3].id},
            ],
        )
        self.assertRecordValues(
            self._entries(self.other_customer),
            [{"kind": "earn", "points": 200.0, "pos_order_id": orders[1].id}],
        )
        self.assertIn("offline", orders[3].message_ids[:1].body)
        self.assertEqual(self._points(), -900.0, "the shortfall stays visible")
        entries = self.Entry.search([])
        order_count = self.env["pos.order"].search_count([])
        self.env["pos.order"].sync_from_ui([dict(data) for data in batch])
        orders._loyalty_points_pos_sync()
        self.assertEqual(self.Entry.search([]), entries, "a replay writes nothing")
        self.assertEqual(self.env["pos.order"].search_count([]), order_count)

    # ------------------------------------------------------------------ refunds
    def _lots(self, *lots):
        """Lots of (points, expiry date) for the customer, available now."""
        self.Entry._lock_balances(self.program, self.customer)
        return self.Entry._write_entries(
            [
                {
                    "partner_id": self.customer.id,
                    "program_id": self.program.id,
                    "kind": "adjust",
                    "points": points,
                    "expiry_date": expiry,
                    "reason": "Test",
                }
                for points, expiry in lots
            ]
        )

    def _refund_one(self, order, payments):
        return self._sync(
            [
                {
                    "product": self.product,
                    "quantity": -1,
                    "refunded_orderline_id": order.lines.id,
                }
            ],
            payments,
            strict=True,
        )

    def test_refunds_in_steps_give_back_lot_by_lot(self):
        """An order paid with points from two lots, refunded one item at a time:
        each refund gives back its share of the points, the lots the order took
        first first, each with its own dates, and never more than was taken."""
        today = fields.Date.today()
        soon, later = today + timedelta(days=30), today + timedelta(days=300)
        self._lots((3000, soon), (7000, later))
        order = self._sync(
            [(self.product, 2)],
            [(self.points_pm, 50), (self.cash_pm1, 50)],
            strict=True,
        )
        redeem = self._entries().filtered(lambda e: e.kind == "redeem")
        self.assertEqual(redeem.allocation_ids.mapped("points"), [3000.0, 2000.0])
        first = self._refund_one(order, [(self.points_pm, -25), (self.cash_pm1, -25)])
        self.assertRecordValues(
            self._entries().filtered(lambda e: e.pos_order_id == first),
            [
                {
                    "kind": "reverse",
                    "points": 2500.0,
                    "reversed_entry_id": redeem.id,
                    "expiry_date": soon,
                }
            ],
        )
        second = self._refund_one(order, [(self.points_pm, -25), (self.cash_pm1, -25)])
        self.assertRecordValues(
            self._entries().filtered(lambda e: e.pos_order_id == second),
            [
                {"kind": "reverse", "points": 500.0, "expiry_date": soon},
                {"kind": "reverse", "points": 2000.0, "expiry_date": later},
            ],
        )
        self.assertEqual(self._points(), 10_000.0)
        self.assertEqual(second.loyalty_points_spent, -2500.0)

    # ------------------------------------------------------------------ set-up
    def test_post_init_hook(self):
        """Installing the addon gives each company of a program with a points
        journal its Loyalty Points method on that journal; installing it again
        makes no second one."""
        other = self.setup_other_company(name="Second centre")["company"]
        self.env.user.company_ids |= other
        self.program.company_ids |= other
        Method = self.env["pos.payment.method"].with_context(active_test=False)
        journal = other.loyalty_points_journal_id
        self.assertTrue(journal)
        # As before the addon was installed: a points journal without method.
        Method.search([("journal_id", "=", journal.id)]).unlink()
        post_init_hook(self.env)
        post_init_hook(self.env)
        for company in self.program.company_ids:
            methods = Method.search(
                [("journal_id", "=", company.loyalty_points_journal_id.id)]
            )
            self.assertEqual(len(methods), 1, company.name)
            self.assertRecordValues(
                methods,
                [
                    {
                        "company_id": company.id,
                        "loyalty_points_redeem": True,
                        "split_transactions": True,
                        "loyalty_points_earn": False,
                    }
                ],
            )
        self.assertEqual(
            Method.search([("journal_id", "=", self.points_pm.journal_id.id)]),
            self.points_pm,
        )

    # ------------------------------------------------------------------ books
    def _liability_report(self):
        self.env.flush_all()
        self.env["loyalty.points.liability.report"].invalidate_model()
        report = self.env["loyalty.points.liability.report"].search(
            [("company_id", "=", self.company.id)]
        )
        self.assertEqual(len(report), 1)
        return report

    def test_liability_report_while_session_open(self):
        """While the session is open its points payments are spent and not booked
        yet (its close books them): the report's equality holds; after the close
        and the nightly books it still holds, and the liability is debited once."""
        self._grant(10_000)
        self._sync(
            [(self.product, 2)],
            [(self.points_pm, 30), (self.cash_pm1, 70)],
            strict=True,
        )
        report = self._liability_report()
        self.assertRecordValues(
            report,
            [
                {
                    "outstanding_points": 7000.0,
                    "outstanding_value": 70.0,
                    "liability_balance": 0.0,
                    "unbooked_points": 7000.0,
                    "unbooked_value": 70.0,
                    "difference": 0.0,
                }
            ],
        )
        session = self.pos_session
        session.post_closing_cash_details(70)
        session.close_session_from_ui()
        self.assertEqual(session.state, "closed")
        self.assertRecordValues(
            self._liability_report(),
            [
                {
                    "liability_balance": -30.0,
                    "unbooked_points": 10_000.0,
                    "difference": 0.0,
                }
            ],
        )
        self.program._book_points()
        self.assertRecordValues(
            self._liability_report(),
            [
                {
                    "outstanding_value": 70.0,
                    "liability_balance": 70.0,
                    "unbooked_points": 0.0,
                    "difference": 0.0,
                }
            ],
        )


@tagged("post_install", "-at_install")
class TestPosRace(RealConnectionsCase):
    """Two tills pay with all of one customer's points at the same moment, each
    syncing its order on its own database connection, as two requests do (the
    data is committed so that both connections see it, and removed after)."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            program = env["loyalty.points.program"]._program_for_company(company)
            self.assertEqual(program.state, "on", "the demo program covers it")
            admin = env.ref("base.user_admin")
            partner = env["res.partner"].create({"name": "POS race customer"})
            product = env["product.product"].create(
                {
                    "name": "POS race service",
                    "type": "service",
                    "available_in_pos": True,
                    "lst_price": 10.0,
                    "taxes_id": [Command.clear()],
                }
            )
            method = company._loyalty_points_pos_method()
            configs = env["pos.config"].create(
                [
                    {
                        "name": f"POS race till {name}",
                        "company_id": company.id,
                        "payment_method_ids": [Command.set(method.ids)],
                    }
                    for name in "AB"
                ]
            )
            # One at a time: a session's constraint reads one configuration.
            sessions = env["pos.session"].concat(
                *(
                    env["pos.session"].create(
                        {"config_id": config.id, "user_id": admin.id}
                    )
                    for config in configs
                )
            )
            points = program._points_for_amount(10.0)
            env["loyalty.points.entry"]._write_entries(
                [
                    {
                        "partner_id": partner.id,
                        "program_id": program.id,
                        "company_id": company.id,
                        "kind": "adjust",
                        "points": points,
                        "reason": "race",
                        # Past the demo program's pending period.
                        "date": fields.Datetime.now() - timedelta(days=2),
                        "expiry_date": date(2999, 1, 1),
                    }
                ]
            )
        self.program_id, self.partner_id = program.id, partner.id
        self.points, self.admin_id = points, admin.id
        self.product_id, self.method_id = product.id, method.id
        self.config_ids, self.session_ids = configs.ids, sessions.ids
        self.addCleanup(self._remove_data)

    def _remove_data(self):
        """Delete what the test committed. The ledger refuses deletes: its
        triggers are lifted for this transaction only, as in loyalty_points'
        tests on real connections."""
        with self.registry.cursor() as cr:
            _immutability_triggers(cr, SQL("DISABLE"))
            cr.execute(
                SQL(
                    """
                    DELETE FROM loyalty_points_allocation WHERE consumer_id IN (
                        SELECT id FROM loyalty_points_entry WHERE partner_id = %(p)s)
                        OR lot_id IN (
                        SELECT id FROM loyalty_points_entry WHERE partner_id = %(p)s);
                    DELETE FROM loyalty_points_entry WHERE partner_id = %(p)s;
                    DELETE FROM loyalty_points_balance WHERE partner_id = %(p)s;
                    UPDATE pos_order SET state = 'cancel' WHERE session_id = ANY(%(s)s);
                    """,
                    p=self.partner_id,
                    s=self.session_ids,
                )
            )
            _immutability_triggers(cr, SQL("ENABLE"))
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.invalidate_all()
            env["pos.order"].search([("session_id", "in", self.session_ids)]).unlink()
            env["pos.session"].browse(self.session_ids).unlink()
            env["pos.config"].browse(self.config_ids).unlink()
            env["product.product"].browse(self.product_id).unlink()
            env["res.partner"].browse(self.partner_id).unlink()

    def _order_data(self, session_id):
        """An order of 10.00 paid with all the customer's points, as a till sends
        it."""
        return {
            "amount_paid": 10.0,
            "amount_return": 0,
            "amount_tax": 0.0,
            "amount_total": 10.0,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "fiscal_position_id": False,
            "name": f"POS race order {session_id}",
            "last_order_preparation_change": "{}",
            "lines": [
                Command.create(
                    {
                        "product_id": self.product_id,
                        "price_unit": 10.0,
                        "price_subtotal": 10.0,
                        "price_subtotal_incl": 10.0,
                        "qty": 1,
                        "tax_ids": [Command.set([])],
                        "pack_lot_ids": [],
                    }
                )
            ],
            "partner_id": self.partner_id,
            "session_id": session_id,
            "sequence_number": 1,
            "payment_ids": [
                Command.create(
                    {
                        "amount": 10.0,
                        "name": fields.Datetime.now(),
                        "payment_method_id": self.method_id,
                    }
                )
            ],
            "uuid": str(uuid.uuid4()),
            "user_id": self.admin_id,
            "to_invoice": False,
        }

    def _till(self, name, session_id, started, proceed, outcome):
        """One till's request: snapshot first (like any real request), wait for
        the other till, then sync the order the cashier validates, retried as
        Odoo's RPC layer retries a serialization failure. The cursor commits
        when the request succeeds and rolls back otherwise."""
        data = self._order_data(session_id)
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, self.admin_id, {})
                env["res.partner"].browse(self.partner_id).read(["name"])
                started.set()
                proceed.wait(10)
                Order = env["pos.order"].with_context(
                    loyalty_points_strict_uuids=[data["uuid"]]
                )
                retrying(lambda: Order.sync_from_ui([dict(data)]), env)
            outcome[name] = "paid"
        except UserError as error:
            outcome[name] = str(error)

    def test_two_tills_one_customer(self):
        """Two tills spend all of a customer's points at once: one order is paid,
        the other till is told why and its order is not saved; no overdraft."""
        outcome = {}
        events = [threading.Event(), threading.Event()]
        go = threading.Event()
        threads = [
            threading.Thread(
                target=self._till,
                args=(name, session_id, started, go, outcome),
            )
            for name, session_id, started in zip(
                "AB", self.session_ids, events, strict=True
            )
        ]
        # The loser's serialization failure is logged, then retried: muted around
        # both threads (see loyalty_points' test_redeem_concurrency).
        with mute_logger("odoo.service.model", "odoo.sql_db"):
            for thread in threads:
                thread.start()
            self.assertTrue(all(event.wait(10) for event in events))
            go.set()  # both transactions already hold a snapshot with the points
            for thread in threads:
                thread.join(60)
        self.assertEqual(sorted(outcome), ["A", "B"])
        self.assertEqual(list(outcome.values()).count("paid"), 1, outcome)
        refused = next(value for value in outcome.values() if value != "paid")
        self.assertIn("0 points available", refused)
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT COUNT(*) FILTER (WHERE kind = 'redeem'),
                          COUNT(DISTINCT pos_order_id), SUM(points)
                     FROM loyalty_points_entry WHERE partner_id = %s""",
                [self.partner_id],
            )
            self.assertEqual(cr.fetchone(), (1, 1, 0.0))
            cr.execute(
                "SELECT points FROM loyalty_points_balance WHERE partner_id = %s",
                [self.partner_id],
            )
            self.assertEqual(float(cr.fetchone()[0]), 0.0)
            cr.execute(
                "SELECT state, COUNT(*) FROM pos_order WHERE partner_id = %s "
                "GROUP BY state",
                [self.partner_id],
            )
            self.assertEqual(cr.fetchall(), [("paid", 1)])
