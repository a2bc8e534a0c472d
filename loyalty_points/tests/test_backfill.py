# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestBackfill(LoyaltyPointsCommon):
    """Paid invoices that earned nothing (e.g. paid while the program was off) get
    their points from the wizard and the nightly job, once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A second company with its chart of accounts, built once for the class.
        cls.other_company = cls.setup_other_company(name="Other centre")["company"]
        cls.manager = new_test_user(
            cls.env,
            "lp_backfill_manager",
            groups="base.group_user,loyalty_points.group_loyalty_points_manager",
            company_id=cls.env.company.id,
        )
        cls.user = new_test_user(
            cls.env,
            "lp_backfill_user",
            groups="base.group_user,loyalty_points.group_loyalty_points_user",
            company_id=cls.env.company.id,
        )
        cls.other_customer = cls.env["res.partner"].create({"name": "Customer B"})

    def _paid_while_off(self, amounts, partner=None, journal=None):
        """Invoices of one line each, paid while the program is off; it is on after."""
        self.program.state = "off"
        invoices = self.env["account.move"]
        for amount in amounts:
            invoice = self._invoice([amount], partner=partner)
            self._pay(invoice, journal=journal)
            invoices |= invoice
        self.program.state = "on"
        return invoices

    def _process(self, user=None):
        wizard = (
            self.env["loyalty.points.process.wizard"]
            .with_user(user or self.manager)
            .create({})
        )
        wizard.action_process()
        return wizard

    def test_wizard_awards_invoices_paid_while_off(self):
        """The wizard gives invoices paid while the program was off their points."""
        invoice = self._paid_while_off([100.0])[0]
        self.assertFalse(self._entries(), "nothing accrues while the program is off")
        wizard = self._process()
        self.assertEqual(wizard.program_ids, self.program)
        self.assertEqual(wizard.state, "done")
        self.assertEqual((wizard.invoice_count, wizard.points), (1, 200.0))
        entries = self._entries()
        self.assertEqual(entries.mapped("kind"), ["earn"])
        self.assertEqual(entries.move_id, invoice)
        self.assertEqual(self._points(), 200.0)
        self.assertEqual(self.customer.loyalty_points_balance, 200.0)

    def test_second_run_writes_nothing(self):
        """Running the wizard twice writes nothing the second time."""
        self._paid_while_off([100.0, 30.0])
        first = self._process()
        entries = self._entries()
        second = self._process()
        self.assertEqual((first.invoice_count, first.points), (2, 260.0))
        self.assertEqual((second.invoice_count, second.points), (0, 0.0))
        self.assertEqual(self._entries(), entries)
        self.assertEqual(self.program._backfill_invoices(), (0, 0.0))
        self.assertEqual(self._points(), 260.0)

    def test_before_start_date_and_unpaid_ignored(self):
        """Invoices dated before the start date, unpaid, draft or vendor bills are
        left alone; only the paid invoice from the start date earns."""
        self.program.state = "off"
        before = self._invoice([100.0], post=False)
        before.invoice_date = "2019-12-31"
        before.action_post()
        self._pay(before)
        unpaid = self._invoice([70.0])
        draft = self._invoice([60.0], post=False)
        bill = self._invoice([50.0], move_type="in_invoice", post=False)
        bill.invoice_date = self.today
        bill.action_post()
        self._pay(bill)
        paid = self._invoice([40.0])
        self._pay(paid)
        self.program.state = "on"
        self.assertEqual(self.program._backfill_candidate_ids(), paid.ids)
        self.assertEqual(self.program._backfill_invoices(), (1, 80.0))
        self.assertEqual(self._entries().move_id, paid)
        for move in before | unpaid | draft | bill:
            self.assertFalse(move.loyalty_points_entry_ids)

    def test_counts_are_right(self):
        """The returned counts are the invoices that earned and their points, across
        customers; an invoice paid through a journal that does not earn is not
        counted."""
        self._paid_while_off([100.0, 25.0])
        self._paid_while_off([10.0], partner=self.other_customer)
        card = self._paid_while_off([500.0], journal=self.card_journal)
        self.assertEqual(self.program._backfill_invoices(), (3, 270.0))
        self.assertEqual(self._points(), 250.0)
        self.assertEqual(self._points(self.other_customer), 20.0)
        self.assertFalse(card.loyalty_points_entry_ids)

    def test_already_earned_invoices_untouched(self):
        """An invoice paid while the program was on keeps its single earning."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        entries = self._entries()
        self.assertEqual(len(entries), 1)
        self.assertEqual(self.program._backfill_invoices(), (0, 0.0))
        self.assertEqual(self._entries(), entries)

    def test_other_company_ignored(self):
        """Only invoices of the processed programs' companies are backfilled."""
        company_2 = self.other_company
        other_program = self.env["loyalty.points.program"].create(
            {
                "name": "Other Club",
                "rate": 2.0,
                "state": "off",
                "company_ids": [Command.set(company_2.ids)],
                "date_start": "2020-01-01",
            }
        )
        env = self.env(
            context=dict(self.env.context, allowed_company_ids=company_2.ids)
        )
        invoice = (
            env["account.move"]
            .with_company(company_2)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": self.today,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Service",
                                "price_unit": 100.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": self.today})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        other_program.state = "on"
        self.assertEqual(self.program._backfill_invoices(), (0, 0.0))
        self.assertFalse(invoice.loyalty_points_entry_ids)
        self.assertEqual(other_program._backfill_invoices(), (1, 200.0))

    def test_cron_awards_active_programs(self):
        """The nightly job backfills programs in test or on, never those off."""
        invoice = self._paid_while_off([100.0])
        self.program.state = "test"
        cron = self.env.ref("loyalty_points.ir_cron_loyalty_points_backfill")
        self.assertEqual(cron.code, "model._cron_backfill_invoices()")
        self.program.state = "off"
        self.env["loyalty.points.program"]._cron_backfill_invoices()
        self.assertFalse(invoice.loyalty_points_entry_ids)
        self.program.state = "test"
        cron.method_direct_trigger()
        self.assertEqual(invoice.loyalty_points, 200.0)
        self.assertEqual(self._points(), 200.0)

    def test_wizard_refuses_program_off(self):
        """Processing a program that is off says to turn it on and writes nothing."""
        invoice = self._paid_while_off([100.0])
        self.program.state = "off"
        wizard = (
            self.env["loyalty.points.process.wizard"]
            .with_user(self.manager)
            .create({"program_ids": [Command.set(self.program.ids)]})
        )
        with self.assertRaisesRegex(UserError, "Test or On"):
            wizard.action_process()
        self.assertFalse(invoice.loyalty_points_entry_ids)
        self.assertEqual(wizard.state, "draft")

    def test_wizard_managers_only(self):
        """The menu and the wizard are for points managers only."""
        menu = self.env.ref("loyalty_points.loyalty_points_process_wizard_menu")
        self.assertEqual(
            menu.action,
            self.env.ref("loyalty_points.loyalty_points_process_wizard_action"),
        )
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.manager)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.with_user(self.user)._visible_menu_ids())
        with self.assertRaises(AccessError):
            self.env["loyalty.points.process.wizard"].with_user(self.user).create({})
