# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError

from .common import LoyaltyPointsCommon


class LoyaltyRedeemCommon(LoyaltyPointsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.points_journal = cls.env.company.loyalty_points_journal_id
        # 10,000 points (worth 100.00) from a paid 5,000.00 invoice.
        cls.program.rate = 2.0
        cls._pay(cls._invoice([5000.0]))
        cls.program.rate = 2.0

    def _pay_points(self, invoice, amount):
        return self._pay(invoice, amount, self.points_journal)

    def _state(self):
        """What must not change when a redemption is refused."""
        return (
            self._points(),
            self.env["account.payment"].search_count(
                [("journal_id", "=", self.points_journal.id)]
            ),
        )


class TestPointsJournal(LoyaltyRedeemCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A second company with its chart of accounts, built once for the class.
        cls.other_company = cls.setup_other_company(name="Other centre")["company"]

    def test_setup_gives_each_company_a_points_journal(self):
        """A program's company gets a points journal booking to a liability account."""
        company = self.env.company
        journal = company.loyalty_points_journal_id
        self.assertTrue(journal.loyalty_points_journal)
        self.assertEqual(journal.type, "bank", "points are not cash")
        self.assertFalse(journal.loyalty_points_earn, "payments in points never earn")
        liability = company.loyalty_points_liability_account_id
        self.assertEqual(liability.account_type, "liability_current")
        self.assertEqual(
            (
                journal.inbound_payment_method_line_ids
                | journal.outbound_payment_method_line_ids
            ).payment_account_id,
            liability,
        )
        self.assertEqual(
            company.loyalty_points_expense_account_id.account_type, "expense"
        )
        self.assertEqual(
            company.loyalty_points_income_account_id.account_type, "income_other"
        )

    def test_new_company_in_program_is_set_up(self):
        """Adding a company to the program gives it its points journal."""
        other = self.other_company
        self.env.user.company_ids |= other
        self.program.company_ids |= other
        self.assertTrue(other.loyalty_points_journal_id.loyalty_points_journal)

    def test_journal_code_taken(self):
        """A company whose journals, archived ones included, already use the
        points journal's code gets the next free one."""
        other = self.other_company
        self.env.user.company_ids |= other
        Journal = self.env["account.journal"].with_company(other)
        for code, active in (("LOYP", False), ("LOY2", True)):
            Journal.create(
                {"name": code, "code": code, "type": "cash", "active": active}
            )
        self.program.company_ids |= other
        self.assertEqual(other.loyalty_points_journal_id.code, "LOY3")


class TestRedeem(LoyaltyRedeemCommon):
    def test_pay_with_points(self):
        """Paying 30.00 of a 100.00 invoice with points takes 3,000 points, linked."""
        invoice = self._invoice([100.0])
        payment = self._pay_points(invoice, 30.0)
        entry = self._entries()[-1]
        self.assertEqual(
            (entry.kind, entry.points, entry.payment_id, entry.move_id),
            ("redeem", -3000, payment, invoice),
        )
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(self.customer.loyalty_points_balance, 7000)
        self.assertEqual(entry.allocation_ids.points, 3000)

    def test_points_rounded_up(self):
        """1.00 at 0.03 a point takes 34 points (33.33 rounded up)."""
        self.program.point_value = 0.03
        self._pay_points(self._invoice([100.0]), 1.0)
        self.assertEqual(self._entries()[-1].points, -34)

    def test_fifo_consumption(self):
        """Redemption takes from the lot that expires first."""
        Entry = self.env["loyalty.points.entry"]
        soon = Entry._write_entries(
            [
                {
                    "partner_id": self.customer.id,
                    "program_id": self.program.id,
                    "kind": "adjust",
                    "points": 500,
                    "expiry_date": fields.Date.add(self.today, days=5),
                    "reason": "gift",
                }
            ]
        )
        self._pay_points(self._invoice([100.0]), 8.0)
        lots = self._entries()[-1].allocation_ids.mapped("lot_id")
        self.assertEqual(lots.ids, [soon.id, self._entries()[0].id])
        self.assertEqual(
            self._entries()[-1].allocation_ids.mapped("points"), [500, 300]
        )

    def test_foreign_currency_invoice(self):
        """An invoice in another currency converts at the invoice's rate."""
        eur = self.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        invoice = self._invoice([100.0], post=False)
        invoice.currency_id = eur
        invoice.action_post()
        self._pay_points(invoice, 20.0)
        # 20 EUR at 2 EUR per 1.00 is 10.00: 1,000 points.
        self.assertEqual(self._entries()[-1].points, -1000)

    def test_paid_with_points_earns_nothing(self):
        """A ticket paid partly with points earns nothing by default."""
        invoice = self._invoice([100.0])
        self._pay_points(invoice, 50.0)
        self._pay(invoice, 50.0)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(
            self._entries().filtered(
                lambda e: e.move_id == invoice and e.kind == "earn"
            )
        )

    def test_points_share_earns_nothing_option(self):
        """With the option, only the share paid with points earns nothing."""
        self.program.points_paid_earning = "share"
        invoice = self._invoice([100.0])
        self._pay_points(invoice, 50.0)
        self._pay(invoice, 50.0)
        earned = self._entries().filtered(
            lambda e: e.move_id == invoice and e.kind == "earn"
        )
        self.assertEqual(earned.points, 100)

    def test_refund_paid_in_points(self):
        """A credit note refunded through the points journal returns points."""
        refund = self._invoice([30.0], move_type="out_refund")
        self._pay(refund, journal=self.points_journal)
        entry = self._entries()[-1]
        self.assertEqual((entry.kind, entry.points), ("refund", 3000))
        self.assertEqual(self.customer.loyalty_points_balance, 13000)


class TestRedeemGiveBack(LoyaltyRedeemCommon):
    def _lot_remaining(self, lot):
        lot.invalidate_recordset(["points_remaining"])
        return lot.points_remaining

    def test_cancel_gives_back_to_lots(self):
        """Cancelling a points payment gives the points back with the lot's expiry."""
        lot = self._entries()[0]
        payment = self._pay_points(self._invoice([100.0]), 30.0)
        payment.action_draft()
        payment.action_cancel()
        back = self._entries()[-1]
        self.assertEqual((back.kind, back.points), ("reverse", 3000))
        self.assertEqual(back.expiry_date, lot.expiry_date)
        self.assertEqual(back.available_date, lot.available_date)
        self.assertEqual(self.customer.loyalty_points_balance, 10000)

    def test_give_back_once(self):
        """Draft, cancel and delete give the points back once."""
        payment = self._pay_points(self._invoice([100.0]), 30.0)
        payment.action_draft()
        payment.action_cancel()
        payment.action_draft()
        payment.unlink()
        self.assertEqual(self._points(), 10000)
        self.assertEqual(len(self._entries()), 3)
        self.assertFalse(
            self._entries()[-1].payment_id, "the deleted payment's link is gone"
        )
        self.assertTrue(self._entries()[-1].origin)

    def test_delete_draft_payment(self):
        """Resetting a points payment to draft and deleting it gives the points back."""
        payment = self._pay_points(self._invoice([100.0]), 30.0)
        payment.action_draft()
        self.assertEqual(self._points(), 10000)
        payment.unlink()
        self.assertEqual(self._points(), 10000)

    def test_unreconcile_cancels_payment(self):
        """Taking the points payment off its invoice gives the points back."""
        invoice = self._invoice([100.0])
        payment = self._pay_points(invoice, 30.0)
        payment.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).remove_move_reconcile()
        self.assertEqual(payment.state, "canceled")
        self.assertEqual(self._points(), 10000)
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_repost_takes_again(self):
        """A points payment reset to draft and posted again takes the points again."""
        payment = self._pay_points(self._invoice([100.0]), 30.0)
        payment.action_draft()
        payment.action_post()
        self.assertEqual(self._points(), 7000)


class TestRedeemRefusals(LoyaltyRedeemCommon):
    def assertRefused(self, invoice, amount, message, journal=None):
        before = self._state()
        with self.assertRaisesRegex(UserError, message), self.cr.savepoint():
            self._pay(invoice, amount, journal or self.points_journal)
        self.assertEqual(self._state(), before, "nothing may be written")

    def test_program_off(self):
        """An 'off' program refuses redemptions."""
        self.program.state = "off"
        self.assertRefused(self._invoice([100.0]), 10.0, "is off")

    def test_test_mode_customer_channel(self):
        """In test mode staff may redeem, customer-facing channels may not."""
        self.program.state = "test"
        with self.assertRaisesRegex(UserError, "test mode"):
            self.program._check_redemption(
                self.customer, 100, 1.0, (9000.0, 0.0, 9000.0), channel="portal"
            )
        self._pay_points(self._invoice([100.0]), 10.0)
        self.assertEqual(self._points(), 9000)
        # A points payment made for the customer (the portal) says its channel.
        invoice = self._invoice([100.0])
        before = self._state()
        with self.assertRaisesRegex(UserError, "test mode"), self.cr.savepoint():
            self.env["account.payment.register"].with_context(
                active_model="account.move",
                active_ids=invoice.ids,
                loyalty_points_channel="portal",
            ).create(
                {"journal_id": self.points_journal.id, "amount": 10.0}
            )._create_payments()
        self.assertEqual(self._state(), before)

    def test_minimum_redemption(self):
        """Below the minimum redemption amount, points cannot pay."""
        self.program.min_redemption = 5.0
        self.assertRefused(self._invoice([100.0]), 4.99, "At least")

    def test_zero_minimum_pauses(self):
        """A minimum redemption of 0 pauses all redemptions."""
        self.program.min_redemption = 0.0
        self.assertRefused(self._invoice([100.0]), 10.0, "paused")

    def test_more_than_available(self):
        """Paying more than the available points is refused."""
        self.assertRefused(self._invoice([500.0]), 100.01, "points available")

    def test_pending_points_not_available(self):
        """Pending points cannot be spent."""
        self.program.pending_hours = 24
        self._pay(self._invoice([1000.0]))
        self.assertEqual(self.customer.loyalty_points_pending, 2000)
        self.assertRefused(self._invoice([500.0]), 110.0, "2,000 more pending")

    def test_more_than_due(self):
        """Paying more than the amount due is refused."""
        self.assertRefused(self._invoice([20.0]), 25.0, "more than")

    def test_vendor_bill(self):
        """A vendor bill cannot be paid with points."""
        self.assertRefused(
            self._invoice([20.0], move_type="in_invoice"), 10.0, "customer invoices"
        )

    def test_supplier_payment(self):
        """A supplier payment in the points journal is refused."""
        before = self._state()
        payment = self.env["account.payment"].create(
            {
                "payment_type": "outbound",
                "partner_type": "supplier",
                "partner_id": self.customer.id,
                "amount": 10.0,
                "journal_id": self.points_journal.id,
            }
        )
        with self.assertRaisesRegex(UserError, "vendor"):
            payment.action_post()
        payment.unlink()
        self.assertEqual(self._state(), before)

    def test_zero_amount(self):
        """A zero amount is refused."""
        self.assertRefused(self._invoice([20.0]), 0.0, "greater than zero")

    def test_expired_lot_not_spendable(self):
        """Points of a lot past its expiry date cannot be spent."""
        Entry = self.env["loyalty.points.entry"]
        self.env.cr.execute(
            "SELECT 1"  # keep the cursor warm; the lot below is already expired
        )
        Entry._write_entries(
            [
                {
                    "partner_id": self.contact.id,
                    "program_id": self.program.id,
                    "kind": "adjust",
                    "points": 100000,
                    "expiry_date": self.today - timedelta(days=1),
                    "reason": "old",
                }
            ]
        )
        self.assertRefused(self._invoice([500.0]), 150.0, "points available")


class TestRedeemMultiCompany(LoyaltyRedeemCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A second company with its chart of accounts, built once for the class.
        cls.other_company = cls.setup_other_company(name="Other centre")["company"]

    def test_points_earned_in_one_centre_spent_in_another(self):
        """Points earned in one centre of the program pay in another."""
        other = self.other_company
        self.env.user.company_ids |= other
        self.program.company_ids |= other
        invoice = (
            self.env["account.move"]
            .with_company(other)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": self.today,
                    "invoice_line_ids": [
                        Command.create({"name": "x", "price_unit": 50.0})
                    ],
                }
            )
        )
        invoice.action_post()
        self.env["account.payment.register"].with_company(other).with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {"amount": 20.0, "journal_id": other.loyalty_points_journal_id.id}
        )._create_payments()
        entry = self._entries()[-1]
        self.assertEqual((entry.points, entry.company_id), (-2000, other))


class TestRedeemViews(LoyaltyRedeemCommon):
    def test_forms_show_spending(self):
        """The program form shows the spending settings; a payment shows its points."""
        program_arch = self.env["loyalty.points.program"].get_views([(False, "form")])[
            "views"
        ]["form"]["arch"]
        for field in ("min_redemption", "points_paid_earning", "book_points"):
            self.assertIn(f'name="{field}"', program_arch)
        payment_arch = self.env["account.payment"].get_views([(False, "form")])[
            "views"
        ]["form"]["arch"]
        self.assertIn('name="loyalty_points_entry_ids"', payment_arch)
        payment = self._pay_points(self._invoice([100.0]), 10.0)
        self.assertEqual(payment.loyalty_points_entry_ids.points, -1000)


class TestRedeemAndAccrual(LoyaltyRedeemCommon):
    def test_credit_note_leaves_redemption_alone(self):
        """A credit note on a ticket partly paid with points reverses only what the
        ticket earned; the points payment stays as it was."""
        self.program.points_paid_earning = "share"
        invoice = self._invoice([100.0])
        self._pay_points(invoice, 50.0)
        self._pay(invoice, 50.0)
        self.assertEqual(self._points(), 10000 - 5000 + 100)
        refund = self._invoice([100.0], move_type="out_refund", post=False)
        refund.reversed_entry_id = invoice
        refund.action_post()
        self.assertEqual(self._points(), 10000 - 5000)
        self.assertEqual(invoice.loyalty_points, 0)
        redeem = self._entries().filtered(lambda e: e.kind == "redeem")
        self.assertEqual(redeem.points, -5000)
