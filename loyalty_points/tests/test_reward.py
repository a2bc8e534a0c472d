# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from psycopg2.errors import CheckViolation

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .test_redeem import LoyaltyRedeemCommon


@tagged("post_install", "-at_install")
class TestReward(LoyaltyRedeemCommon):
    """The customer starts with 10,000 points (see ``LoyaltyRedeemCommon``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A second company with its chart of accounts, built once for the class.
        cls.other_company = cls.setup_other_company(name="Other centre")["company"]
        company = cls.env.company
        users = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        cls.clerk = new_test_user(
            cls.env,
            "lp_reward_clerk",
            groups="base.group_user,account.group_account_invoice",
            **users,
        )
        cls.manager = new_test_user(
            cls.env,
            "lp_reward_manager",
            groups="base.group_user,loyalty_points.group_loyalty_points_manager",
            **users,
        )
        cls.Reward = cls.env["loyalty.points.reward"]
        cls.polish = cls.Reward.create({"name": "Free nail polish", "points_cost": 500})
        cls.gift = cls._create_product(name="Gift box", lst_price=25.0)
        cls.box = cls.Reward.create(
            {"name": "Gift box", "points_cost": 2000, "product_id": cls.gift.id}
        )

    def _draft(self):
        return self._invoice([100.0], post=False)

    def _redeem(self, invoice, reward, user=None):
        wizard = (
            self.env["loyalty.points.reward.wizard"]
            .with_user(user or self.clerk)
            .with_context(active_model="account.move", active_id=invoice.id)
            .create({"reward_id": reward.id})
        )
        return wizard.action_redeem()

    def _reward_lines(self, invoice):
        return invoice.invoice_line_ids.filtered("loyalty_points_reward_id")

    def _refused(self, invoice, reward, message=None):
        """Redeeming ``reward`` on ``invoice`` is refused and writes nothing."""
        entries, lines = self._entries(), invoice.invoice_line_ids
        with self.assertRaises(UserError) as error:
            self._redeem(invoice, reward)
        invoice.invalidate_recordset()
        self.assertEqual(self._entries(), entries)
        self.assertEqual(invoice.invoice_line_ids, lines)
        if message:
            self.assertIn(message, str(error.exception))

    # ------------------------------------------------------------------ catalogue
    def test_default_program_is_the_company_one(self):
        """A new reward belongs to the current company's program."""
        self.assertEqual(self.polish.program_id, self.program)
        self.assertEqual(self.polish.company_ids, self.env.company)

    def test_points_cost_must_be_positive(self):
        """Rewards of zero or negative points are refused, on create and write."""
        for points in (0.0, -5.0):
            for write in (
                lambda p: self.Reward.create({"name": "Bad", "points_cost": p}),
                lambda p: self.polish.write({"points_cost": p}),
            ):
                with (
                    self.subTest(points=points),
                    mute_logger("odoo.sql_db"),
                    self.assertRaises(CheckViolation),
                    self.cr.savepoint(),
                ):
                    write(points)
                    self.env.flush_all()
        self.polish.invalidate_recordset()
        self.assertEqual(self.polish.points_cost, 500)

    def test_users_read_managers_edit(self):
        """Loyalty users read the catalogue; only managers create and change it."""
        self.assertEqual(self.polish.with_user(self.clerk).name, "Free nail polish")
        with self.assertRaises(AccessError):
            self.Reward.with_user(self.clerk).create({"name": "X", "points_cost": 1})
        with self.assertRaises(AccessError):
            self.polish.with_user(self.clerk).points_cost = 1
        reward = self.Reward.with_user(self.manager).create(
            {"name": "Manager's", "points_cost": 10}
        )
        reward.points_cost = 20
        reward.unlink()
        self.assertFalse(reward.exists())

    def test_other_company_rewards_hidden(self):
        """The rewards of another company's program are not visible."""
        other = self.other_company
        program = self.env["loyalty.points.program"].create(
            {"name": "Other club", "company_ids": [Command.set(other.ids)]}
        )
        foreign = self.Reward.create(
            {"name": "Elsewhere", "points_cost": 10, "program_id": program.id}
        )
        visible = self.Reward.with_user(self.clerk).search([])
        self.assertIn(self.polish, visible)
        self.assertNotIn(foreign, visible)

    def test_redeemed_reward_cannot_be_deleted(self):
        """A reward on an invoice is archived, not deleted."""
        self._redeem(self._draft(), self.polish)
        with self.assertRaises(UserError):
            self.polish.unlink()
        self.assertTrue(self.polish.exists())

    # ------------------------------------------------------------------ redeeming
    def test_redeem_reward(self):
        """Redeeming adds the reward at no charge and spends its points."""
        invoice = self._draft()
        self._redeem(invoice, self.polish)
        line = self._reward_lines(invoice)
        self.assertEqual(
            (line.name, line.price_unit, line.quantity, line.price_subtotal),
            ("Free nail polish", 0.0, 1.0, 0.0),
        )
        self.assertEqual(invoice.amount_total, 100.0)
        entry = self._entries()[-1]
        self.assertEqual(
            (entry.kind, entry.points, entry.move_id, entry.move_line_ids),
            ("redeem", -500, invoice, line),
        )
        self.assertEqual(entry.reason, "Reward: Free nail polish")
        self.assertEqual(entry.allocation_ids.points, 500)
        self.assertEqual(self.customer.loyalty_points_balance, 9500)

    def test_wizard_form(self):
        """The wizard shows the customer's available points and redeems the reward
        picked, as an invoicing user."""
        invoice = self._draft()
        form = Form(
            self.env["loyalty.points.reward.wizard"]
            .with_user(self.clerk)
            .with_context(default_move_id=invoice.id)
        )
        self.assertEqual(form.available, 10000)
        form.reward_id = self.box
        self.assertEqual(form.points_cost, 2000)
        form.save().action_redeem()
        self.assertEqual(self._reward_lines(invoice).loyalty_points_reward_id, self.box)
        self.assertEqual(self.customer.loyalty_points_balance, 8000)

    def test_redeem_reward_with_product(self):
        """A reward with a product puts that product on the invoice at 0."""
        invoice = self._draft()
        self._redeem(invoice, self.box)
        line = self._reward_lines(invoice)
        self.assertEqual((line.product_id, line.price_unit), (self.gift, 0.0))
        self.assertEqual(invoice.amount_total, 100.0)
        self.assertEqual(self.customer.loyalty_points_balance, 8000)

    def test_refused_without_the_points(self):
        """A reward above the available points is refused, naming both numbers."""
        self.box.points_cost = 12000
        self._refused(self._draft(), self.box, message="10,000 points available")
        self.assertEqual(self.customer.loyalty_points_balance, 10000)

    def test_pending_points_do_not_count(self):
        """Points still pending cannot pay for a reward."""
        self.program.pending_hours = 24
        self._pay(self._invoice([1000.0]))  # 2,000 points, pending
        self.box.points_cost = 11000
        self._refused(self._draft(), self.box)

    def test_program_off_refused(self):
        """A program that is off refuses rewards."""
        self.program.state = "off"
        self._refused(self._draft(), self.polish, message="is off")

    def test_paused_redemptions_refused(self):
        """A minimum redemption of 0 pauses rewards too."""
        self.program.min_redemption = 0.0
        self._refused(self._draft(), self.polish, message="paused")

    def test_test_mode_allowed_for_staff(self):
        """In test mode staff redeem at the counter; customers' channels cannot."""
        self.program.state = "test"
        invoice = self._draft()
        self._redeem(invoice, self.polish)
        self.assertEqual(self.customer.loyalty_points_balance, 9500)
        with self.assertRaises(UserError):
            self._draft()._loyalty_points_redeem_reward(self.polish, channel="portal")
        self.assertEqual(self.customer.loyalty_points_balance, 9500)

    def test_posted_invoice_refused(self):
        """Rewards go on draft invoices only."""
        invoice = self._invoice([100.0])
        self._refused(invoice, self.polish, message="reset it to draft")

    def test_inactive_rewards_not_offered(self):
        """Archived rewards are not offered, and redeeming one is refused."""
        self.polish.active = False
        invoice = self._draft()
        wizard = (
            self.env["loyalty.points.reward.wizard"]
            .with_user(self.clerk)
            .with_context(active_model="account.move", active_id=invoice.id)
            .new({})
        )
        offered = self.Reward.with_user(self.clerk).search(
            [("program_id", "=", wizard.program_id.id)]
        )
        self.assertEqual(offered, self.box)
        self._refused(invoice, self.polish, message="archived")

    def test_other_program_reward_refused(self):
        """A reward of another program cannot be redeemed on this company's invoice."""
        other = self.other_company
        program = self.env["loyalty.points.program"].create(
            {"name": "Other club", "company_ids": [Command.set(other.ids)]}
        )
        self.polish.program_id = program
        self._refused(self._draft(), self.polish, message="not offered")

    def test_reward_line_cannot_change(self):
        """The quantity and price of a reward line stay as redeemed."""
        invoice = self._draft()
        self._redeem(invoice, self.polish)
        line = self._reward_lines(invoice)
        for vals in ({"quantity": 3.0}, {"price_unit": 10.0}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                line.write(vals)
        line.write({"quantity": 1.0, "price_unit": 0.0})
        self.assertEqual((line.quantity, line.price_unit), (1.0, 0.0))

    # ------------------------------------------------------------------ giving back
    def test_cancel_gives_back(self):
        """Cancelling the invoice gives the reward's points back, once."""
        invoice = self._draft()
        self._redeem(invoice, self.polish)
        redeem = self._entries()[-1]
        invoice.button_cancel()
        back = self._entries()[-1]
        self.assertEqual(
            (back.kind, back.points, back.reversed_entry_id, back.move_id),
            ("reverse", 500, redeem, invoice),
        )
        self.assertEqual(self.customer.loyalty_points_balance, 10000)
        count = len(self._entries())
        invoice._loyalty_points_give_back_rewards(self._reward_lines(invoice), "again")
        self.assertEqual(len(self._entries()), count)

    def test_posted_invoice_cancel_gives_back(self):
        """Cancelling a posted invoice with a reward gives its points back."""
        invoice = self._draft()
        self._redeem(invoice, self.polish)
        invoice.action_post()
        invoice.button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(self.customer.loyalty_points_balance, 10000)

    def test_deleting_reward_line_gives_back(self):
        """Deleting the reward line gives its points back; other lines stay."""
        invoice = self._draft()
        self._redeem(invoice, self.polish)
        self._redeem(invoice, self.box)
        self.assertEqual(self.customer.loyalty_points_balance, 7500)
        line = self._reward_lines(invoice).filtered(
            lambda line: line.loyalty_points_reward_id == self.box
        )
        invoice.write({"invoice_line_ids": [Command.delete(line.id)]})
        self.assertEqual(self.customer.loyalty_points_balance, 9500)
        self.assertEqual(
            self._reward_lines(invoice).loyalty_points_reward_id, self.polish
        )

    def test_reset_cancelled_invoice_drops_rewards(self):
        """Resetting a cancelled invoice removes its rewards, whose points went back."""
        invoice = self._draft()
        self._redeem(invoice, self.polish)
        invoice.button_cancel()
        invoice.button_draft()
        self.assertFalse(self._reward_lines(invoice))
        self.assertEqual(len(invoice.invoice_line_ids), 1)
        self.assertEqual(self.customer.loyalty_points_balance, 10000)

    def test_duplicate_has_no_reward(self):
        """A duplicated invoice does not carry a reward nobody paid for."""
        invoice = self._draft()
        self._redeem(invoice, self.polish)
        copy = invoice.copy()
        self.assertFalse(self._reward_lines(copy))
        self.assertEqual(len(copy.invoice_line_ids), 1)

    def test_reward_does_not_change_earning(self):
        """A ticket with a reward earns on what is paid, and a reset reverses exactly
        what it earned, leaving the reward spent."""
        invoice = self._draft()
        self._redeem(invoice, self.polish)
        invoice.action_post()
        self._pay(invoice)
        earned = self._entries().filtered(
            lambda e: e.move_id == invoice and e.kind == "earn"
        )
        self.assertEqual(earned.points, 200)
        self.assertEqual(self.customer.loyalty_points_balance, 9700)
        invoice.button_draft()
        self.assertEqual(self.customer.loyalty_points_balance, 9500)
        accrual = self._entries().filtered(
            lambda e: e.move_id == invoice and e.kind in ("earn", "reverse")
        )
        self.assertEqual(sum(accrual.mapped("points")), 0)

    def test_invoice_button(self):
        """The customer invoice form offers the reward button to loyalty users."""
        arch = (
            self.env["account.move"]
            .with_user(self.clerk)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn("Redeem a Reward", arch)
