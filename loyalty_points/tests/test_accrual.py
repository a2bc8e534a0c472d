# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tools import mute_logger

from .common import LoyaltyPointsCommon


class TestAccrualRates(LoyaltyPointsCommon):
    def test_points_per_currency(self):
        """100.00 at 2 points per 1.00 earns 200 points."""
        self._pay(self._invoice([100.0]))
        self.assertEqual(self._points(), 200)

    def test_points_per_step_transaction(self):
        """1 point per 10.00, per transaction: 15.00 then 15.00 earn 1 and 1."""
        self.program.write(
            {"rate_type": "per_step", "step_amount": 10.0, "step_points": 1.0}
        )
        self._pay(self._invoice([15.0]))
        self.assertEqual(self._points(), 1)
        self._pay(self._invoice([15.0]))
        self.assertEqual(self._entries().mapped("points"), [1, 1])

    def test_points_per_step_cumulative(self):
        """Cumulative spend: 15.00 earns 1 point, another 15.00 earns 2 more."""
        self.program.write(
            {
                "rate_type": "per_step",
                "step_amount": 10.0,
                "step_points": 1.0,
                "mode": "cumulative",
            }
        )
        self._pay(self._invoice([15.0]))
        self.assertEqual(self._points(), 1)
        self._pay(self._invoice([15.0]))
        self.assertEqual(self._entries().mapped("points"), [1, 2])

    def test_cumulative_small_tickets_carry_over(self):
        """Cumulative: 5.00 earns nothing yet but counts; a second 5.00 earns 1."""
        self.program.write(
            {"rate_type": "per_step", "step_amount": 10.0, "mode": "cumulative"}
        )
        self._pay(self._invoice([5.0]))
        self.assertEqual(self._points(), 0)
        self.assertEqual(self._entries().mapped("amount_basis"), [5.0])
        self._pay(self._invoice([5.0]))
        self.assertEqual(self._points(), 1)

    def test_cumulative_reversal_keeps_steps_consistent(self):
        """Cumulative: reversing one of two 15.00 tickets leaves floor(15/10) = 1."""
        self.program.write(
            {"rate_type": "per_step", "step_amount": 10.0, "mode": "cumulative"}
        )
        first = self._invoice([15.0])
        self._pay(first)
        self._pay(self._invoice([15.0]))
        self.assertEqual(self._points(), 3)
        first.button_draft()
        self.assertEqual(self._points(), 1)

    def _cumulative_steps(self):
        self.program.write(
            {
                "rate_type": "per_step",
                "step_amount": 10.0,
                "step_points": 1.0,
                "mode": "cumulative",
            }
        )
        first, second = self._invoice([15.0]), self._invoice([15.0])
        self._pay(first)
        self._pay(second)
        return first, second

    def assertReversesWithinTheirEntries(self):
        """Every reversal has the opposite sign of the entry it names, and the
        reversals of an entry, net of what undid them, never undo more than it."""
        entries = self._entries()
        for entry in entries.filtered(lambda e: e.kind == "reverse"):
            undone = entry.reversed_entry_id
            self.assertLess(entry.points * undone.points, 0, entry.reason)
            net = sum(
                reversal.points
                + sum(
                    entries.filtered(
                        lambda e, r=reversal: e.reversed_entry_id == r
                    ).mapped("points")
                )
                for reversal in entries.filtered(
                    lambda e, u=undone: e.reversed_entry_id == u
                )
            )
            self.assertLessEqual(abs(net), abs(undone.points), entry.reason)

    def test_cumulative_credit_note_takes_later_steps_from_later_ticket(self):
        """Cumulative: 15.00 earns 1 point, another 15.00 earns 2 (30.00 is 3
        steps). Crediting the first in full leaves 1 point (15.00 is 1 step): the
        first ticket gives back its 1, the second the step the first completed,
        each reversal in its own invoice and never more than the entry it names."""
        first, second = self._cumulative_steps()
        self._reverse(first).action_post()
        self.assertEqual(self._points(), 1)
        reverses = self._entries().filtered(lambda e: e.kind == "reverse")
        self.assertEqual(
            [(e.move_id, e.reversed_entry_id.move_id, e.points) for e in reverses],
            [(first, first, -1.0), (second, second, -1.0)],
        )
        self.assertEqual((first.loyalty_points, second.loyalty_points), (0.0, 1.0))
        self.assertReversesWithinTheirEntries()

    def test_cumulative_partial_credit_note_cancelled(self):
        """Cumulative: a 12.00 credit note on the first of two 15.00 tickets drops
        the total to 18.00 (1 step: 2 points less, 1 from each ticket); putting
        it back in draft gives both back, each to the entry it was taken from."""
        first, second = self._cumulative_steps()
        refund = self._invoice([12.0], move_type="out_refund", post=False)
        refund.reversed_entry_id = first
        refund.action_post()
        self.assertEqual(self._points(), 1)
        self.assertReversesWithinTheirEntries()
        refund.button_draft()
        self.assertEqual(self._points(), 3)
        self.assertReversesWithinTheirEntries()
        self.assertEqual((first.loyalty_points, second.loyalty_points), (1.0, 2.0))
        # And the second ticket credited in full afterwards: 15.00 is 1 step.
        second_refund = self._reverse(second)
        second_refund.action_post()
        self.assertEqual(self._points(), 1)
        self.assertReversesWithinTheirEntries()
        # That credit note back in draft, then the first ticket credited in
        # full: the second ticket holds its 2 points again (what undid its
        # reversals counts), and gives the step the first completed.
        second_refund.button_draft()
        self.assertEqual(self._points(), 3)
        self._reverse(first).action_post()
        self.assertEqual(self._points(), 1)
        self.assertReversesWithinTheirEntries()

    def test_percentage_back(self):
        """5 % back at 0.01 a point: 100.00 earns 500 points."""
        self.program.write(
            {"rate_type": "percentage", "percentage": 5.0, "point_value": 0.01}
        )
        self._pay(self._invoice([100.0]))
        self.assertEqual(self._points(), 500)

    def test_multiplier(self):
        """A double-points multiplier doubles what a ticket earns."""
        self.program.multiplier = 2.0
        self._pay(self._invoice([100.0]))
        self.assertEqual(self._points(), 400)

    def test_discount_lowers_points(self):
        """A 10 % discount on the line lowers the points to 180."""
        invoice = self._invoice([100.0], discount=10.0)
        self._pay(invoice)
        self.assertEqual(self._points(), 180)

    def test_untaxed_basis_by_default(self):
        """By default taxes earn nothing: 100.00 + 15 % tax earns 200."""
        tax = self.env["account.tax"].create({"name": "VAT 15", "amount": 15.0})
        invoice = self._invoice([100.0], post=False)
        invoice.invoice_line_ids.tax_ids = tax
        invoice.action_post()
        self._pay(invoice)
        self.assertEqual(invoice.amount_total, 115.0)
        self.assertEqual(self._points(), 200)

    def test_tax_included_basis(self):
        """With the tax-included basis, 100.00 + 15 % tax earns 230."""
        self.program.amount_basis = "taxed"
        tax = self.env["account.tax"].create({"name": "VAT 15", "amount": 15.0})
        invoice = self._invoice([100.0], post=False)
        invoice.invoice_line_ids.tax_ids = tax
        invoice.action_post()
        self._pay(invoice)
        self.assertEqual(self._points(), 230)

    def test_minimum_ticket_amount(self):
        """A ticket below the minimum earns nothing; one at the minimum earns."""
        self.program.min_amount = 50.0
        self._pay(self._invoice([40.0]))
        self.assertEqual(self._points(), 0)
        self._pay(self._invoice([50.0]))
        self.assertEqual(self._points(), 100)

    def test_rounding_down_by_default(self):
        """Points are whole and rounded down: 10.75 at 2 per 1.00 earns 21."""
        self._pay(self._invoice([10.75]))
        self.assertEqual(self._points(), 21)

    def test_rounding_to_hundredths(self):
        """A points rounding of 0.01 keeps hundredths: 10.33 at 1.5 gives 15.49."""
        self.program.write({"points_rounding": 0.01, "rate": 1.5})
        self._pay(self._invoice([10.33]))
        self.assertAlmostEqual(self._points(), 15.49, places=2)

    def test_rounding_nearest(self):
        """Rounding to the nearest whole point: 10.33 at 1.5 (15.495) gives 15."""
        self.program.write({"rounding_method": "HALF-UP", "rate": 1.5})
        self._pay(self._invoice([10.33]))
        self.assertEqual(self._points(), 15)
        self._pay(self._invoice([10.4]))
        self.assertEqual(self._entries().mapped("points"), [15, 16])

    def test_setting_change_never_rewrites(self):
        """Changing the rate after a ticket earned leaves its entry as it was."""
        self._pay(self._invoice([100.0]))
        self.program.rate = 5.0
        self.assertEqual(self._points(), 200)
        self._pay(self._invoice([100.0]))
        self.assertEqual(self._entries().mapped("points"), [200, 500])

    def test_currency_conversion(self):
        """An invoice in another currency earns on its value in the program currency."""
        other = self.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        invoice = self._invoice([100.0], post=False)
        invoice.currency_id = other
        invoice.action_post()
        self._pay(invoice)
        # 100 EUR at 2 EUR per company unit is 50.00: 100 points.
        self.assertEqual(self._points(), 100)


class TestAccrualEligibility(LoyaltyPointsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A second company with its chart of accounts, built once for the class.
        cls.other_company = cls.setup_other_company(name="Other centre")["company"]
        cls.euthanasia = cls._create_product(
            name="Euthanasia", lst_price=100.0, taxes_id=[Command.clear()]
        )

    def test_excluded_product(self):
        """An excluded product earns nothing; the rest of the ticket still earns."""
        self.euthanasia.loyalty_points_rule = "excluded"
        self._pay(
            self._invoice([100.0, 50.0], products=[self.euthanasia, self.service])
        )
        self.assertEqual(self._points(), 100)

    def test_excluded_category(self):
        """Products of an excluded category earn nothing, unless they say otherwise."""
        category = self.env["product.category"].create(
            {"name": "Sensitive", "loyalty_points_rule": "excluded"}
        )
        self.euthanasia.categ_id = category
        self._pay(self._invoice([100.0], products=[self.euthanasia]))
        self.assertEqual(self._points(), 0)
        self.euthanasia.loyalty_points_rule = "eligible"
        self._pay(self._invoice([100.0], products=[self.euthanasia]))
        self.assertEqual(self._points(), 200)

    def test_subcategory_inherits_parent_rule(self):
        """A category set to 'as parent' follows its parent's rule."""
        parent = self.env["product.category"].create(
            {"name": "Parent", "loyalty_points_rule": "excluded"}
        )
        child = self.env["product.category"].create(
            {"name": "Child", "parent_id": parent.id}
        )
        self.euthanasia.categ_id = child
        self._pay(self._invoice([100.0], products=[self.euthanasia]))
        self.assertEqual(self._points(), 0)

    def test_rule_changes_apply_to_the_next_ticket(self):
        """What a product earns is cached between tickets; changing its category,
        a category's parent or a category's rule applies to the next ticket."""
        parent = self.env["product.category"].create(
            {"name": "Parent", "loyalty_points_rule": "eligible"}
        )
        child = self.env["product.category"].create(
            {"name": "Child", "parent_id": parent.id}
        )
        self.euthanasia.categ_id = child
        earned = [0]

        def pay_and_earn(points):
            self._pay(self._invoice([100.0], products=[self.euthanasia]))
            earned[0] += points
            self.assertEqual(self._points(), earned[0])

        pay_and_earn(200)
        parent.loyalty_points_rule = "excluded"
        pay_and_earn(0)
        child.parent_id = self.env["product.category"].create(
            {"name": "Fixed", "loyalty_points_rule": "fixed", "loyalty_points_fixed": 7}
        )
        pay_and_earn(7)
        child.write({"loyalty_points_rule": "custom_rate", "loyalty_points_rate": 3})
        pay_and_earn(300)
        self.euthanasia.categ_id = parent
        pay_and_earn(0)
        self.euthanasia.loyalty_points_rule = "eligible"
        pay_and_earn(200)

    def test_custom_rate(self):
        """A product with a custom rate of 5 points per 1.00 earns 500 on 100.00."""
        self.euthanasia.write(
            {"loyalty_points_rule": "custom_rate", "loyalty_points_rate": 5.0}
        )
        self._pay(self._invoice([100.0], products=[self.euthanasia]))
        self.assertEqual(self._points(), 500)

    def test_fixed_points_per_unit(self):
        """A product with 30 fixed points per unit earns 90 for 3 units."""
        self.euthanasia.write(
            {"loyalty_points_rule": "fixed", "loyalty_points_fixed": 30.0}
        )
        invoice = self._invoice([20.0], products=[self.euthanasia], post=False)
        invoice.invoice_line_ids.quantity = 3
        invoice.action_post()
        self._pay(invoice)
        self.assertEqual(self._points(), 90)

    def test_bulk_exclude(self):
        """The bulk action excludes every selected product."""
        products = self.euthanasia.product_tmpl_id | self.service.product_tmpl_id
        products.action_loyalty_points_exclude()
        self.assertEqual(set(products.mapped("loyalty_points_rule")), {"excluded"})

    def test_card_share_earns_nothing(self):
        """Half paid by card (a journal that does not earn) earns on the cash half."""
        invoice = self._invoice([100.0])
        self._pay(invoice, 50.0, self.card_journal)
        self.assertEqual(self._points(), 0, "a partly paid invoice earns nothing")
        self._pay(invoice, 50.0, self.cash_journal)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self._points(), 100)

    def test_all_card_earns_nothing(self):
        """A ticket paid entirely by card earns nothing."""
        self._pay(self._invoice([100.0]), journal=self.card_journal)
        self.assertEqual(self._points(), 0)

    def test_enrolled_only(self):
        """With 'only enrolled customers earn', others earn nothing until enrolled."""
        self.program.enrolled_only = True
        self._pay(self._invoice([100.0]))
        self.assertEqual(self._points(), 0)
        self.customer.loyalty_points_enrolled = True
        self._pay(self._invoice([100.0]))
        self.assertEqual(self._points(), 200)

    def test_before_start_date(self):
        """Sales dated before the program's start date never earn."""
        self.program.date_start = fields.Date.add(self.today, days=1)
        self._pay(self._invoice([100.0]))
        self.assertEqual(self._points(), 0)

    def test_program_off_and_test(self):
        """An 'off' program accrues nothing; a 'test' program accrues."""
        self.program.state = "off"
        self._pay(self._invoice([100.0]))
        self.assertEqual(self._points(), 0)
        self.program.state = "test"
        self._pay(self._invoice([100.0]))
        self.assertEqual(self._points(), 200)

    def test_other_company_without_program(self):
        """An invoice of a company that no program covers earns nothing."""
        other = self.other_company
        self.env.user.company_ids |= other
        invoice = (
            self.env["account.move"]
            .with_company(other)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": self.today,
                    "invoice_line_ids": [
                        Command.create({"name": "x", "price_unit": 100.0})
                    ],
                }
            )
        )
        invoice.action_post()
        self.env["account.payment.register"].with_company(other).with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(self._entries())


class TestAccrualTicketClose(LoyaltyPointsCommon):
    def test_only_paid_invoices_earn(self):
        """Draft, posted-unpaid and partly paid invoices earn nothing; paid ones do."""
        invoice = self._invoice([100.0], post=False)
        self.assertEqual(self._points(), 0)
        invoice.action_post()
        self.assertEqual(self._points(), 0)
        self._pay(invoice, 40.0)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(self._points(), 0)
        self._pay(invoice, 60.0)
        self.assertEqual(self._points(), 200)

    def test_vendor_bill_never_earns(self):
        """A paid vendor bill earns nothing."""
        bill = self._invoice([100.0], move_type="in_invoice")
        self._pay(bill)
        self.assertEqual(bill.payment_state, "paid")
        self.assertFalse(
            self.env["loyalty.points.entry"].search([("move_id", "=", bill.id)])
        )

    def test_points_belong_to_commercial_partner(self):
        """An invoice to a contact earns points for its company."""
        self._pay(self._invoice([100.0], partner=self.contact))
        self.assertEqual(self._points(self.customer), 200)
        self.assertEqual(self.contact.loyalty_points_balance, 200)

    def test_entry_links_invoice_and_lines(self):
        """The earn entry links to the invoice and to the lines that earned."""
        invoice = self._invoice([60.0, 40.0])
        self._pay(invoice)
        entry = self._entries()
        self.assertEqual(entry.move_id, invoice)
        self.assertEqual(entry.move_line_ids, invoice.invoice_line_ids)
        self.assertEqual(entry.kind, "earn")
        self.assertEqual(invoice.loyalty_points, 200)

    def test_partial_credit_note_reverses_its_share(self):
        """A 30.00 credit note on a paid 100.00 invoice reverses 60 of 200 points."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        refund = self._invoice([30.0], move_type="out_refund", post=False)
        refund.reversed_entry_id = invoice
        refund.action_post()
        self.assertEqual(self._points(), 140)
        reverse = self._entries()[-1]
        self.assertEqual(
            (reverse.kind, reverse.points, reverse.move_id), ("reverse", -60, invoice)
        )

    def test_reconciled_credit_note_before_payment(self):
        """A credit note reconciled with the open invoice lowers what payment earns."""
        invoice = self._invoice([100.0])
        refund = self._reverse(invoice, "price")
        refund.invoice_line_ids.price_unit = 25.0
        refund.action_post()
        # Posting the credit note reconciles it with its open invoice.
        self.assertEqual(invoice.amount_residual, 75.0)
        self._pay(invoice)
        self.assertEqual(self._points(), 150)

    def test_full_credit_note_reverses_all(self):
        """The Reverse wizard's full refund of a paid invoice takes all points back."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        refund = self._reverse(invoice, "return")
        refund.action_post()
        self.assertEqual(self._points(), 0)
        refund.button_draft()
        self.assertEqual(
            self._points(), 200, "a credit note back in draft gives them back"
        )

    def test_reset_to_draft_and_repost(self):
        """Reset to draft reverses all; posting and paying again earns anew."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        invoice.button_draft()
        self.assertEqual(self._points(), 0)
        invoice.invoice_line_ids.price_unit = 50.0
        invoice.action_post()
        self.assertEqual(self._points(), 0)
        self._pay(invoice)
        self.assertEqual(self._points(), 100)
        self.assertEqual(self._entries().mapped("kind"), ["earn", "reverse", "earn"])
        self.assertEqual(self._entries().mapped("earn_cycle"), [0, 0, 1])

    def test_cancel_reverses_all(self):
        """Cancelling a paid invoice (after reset to draft) leaves no points."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        invoice.button_draft()
        invoice.button_cancel()
        self.assertEqual(self._points(), 0)

    def test_unreconcile_payment_reverses_all(self):
        """Unreconciling the payment takes the points back; reconciling earns again."""
        invoice = self._invoice([100.0])
        payment = self._pay(invoice)
        payment_line = payment.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        payment_line.remove_move_reconcile()
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(self._points(), 0)
        (payment_line | invoice.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        self.assertEqual(self._points(), 200)

    def test_cancel_payment_reverses_all(self):
        """Cancelling the payment takes the points back."""
        invoice = self._invoice([100.0])
        payment = self._pay(invoice)
        payment.action_draft()
        payment.action_cancel()
        self.assertEqual(self._points(), 0)

    def test_never_earns_twice(self):
        """Syncing a paid invoice again and again writes nothing more."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        for _i in range(3):
            invoice._loyalty_points_sync()
            invoice._invoice_paid_hook()
        self.assertEqual(len(self._entries()), 1)

    def test_never_earns_twice_database(self):
        """The database itself refuses a second earn entry of the same cycle."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        entry = self._entries()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.env["loyalty.points.entry"]._write_entries(
                [
                    {
                        "partner_id": self.customer.id,
                        "program_id": self.program.id,
                        "kind": "earn",
                        "points": 200,
                        "move_id": invoice.id,
                        "earn_cycle": entry.earn_cycle,
                    }
                ]
            )
        self.assertEqual(self._points(), 200)

    def test_many_cycles_never_double(self):
        """Draft, post, pay three times: the invoice holds its points once."""
        invoice = self._invoice([100.0])
        for _i in range(3):
            self._pay(invoice)
            invoice.button_draft()
            invoice.action_post()
        self._pay(invoice)
        self.assertEqual(self._points(), 200)
        self.assertEqual(invoice.loyalty_points, 200)

    def test_delete_invoice_with_history_refused(self):
        """An invoice with points history cannot be deleted, only cancelled."""
        invoice = self._invoice([100.0])
        self._pay(invoice)
        invoice.button_draft()
        with self.assertRaisesRegex(UserError, "has loyalty points history"):
            invoice.unlink()
        self.assertTrue(invoice.exists())
