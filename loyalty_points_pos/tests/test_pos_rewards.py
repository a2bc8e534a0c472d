# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from psycopg2.errors import UniqueViolation

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestPosRewards(LoyaltyPointsPosCommon):
    """Rewards of the catalogue given at the counter: a line of the reward's
    product at no charge, whose points the server redeems when the order syncs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A product that would earn 50 points a unit if it earned at all.
        cls.gift = cls.create_product("Shampoo", cls.categ_basic, 12.0)
        cls.gift.write({"loyalty_points_rule": "fixed", "loyalty_points_fixed": 50})
        cls.reward = cls.env["loyalty.points.reward"].create(
            {
                "name": "Free shampoo",
                "program_id": cls.program.id,
                "points_cost": 800,
                "product_id": cls.gift.id,
            }
        )

    def _reward_data(self, payments, reward=None, price=0.0, customer=None, qty=1):
        """An order of a haircut and the reward's product at ``price``, as the
        till sends it."""
        reward = reward or self.reward
        data = self.create_ui_order_data(
            [(self.product, 1), (reward.product_id, qty)],
            customer=self.customer if customer is None else customer,
            payments=payments,
        )
        line = data["lines"][1][2]
        line.update(
            {
                "price_unit": price,
                "price_subtotal": price * qty,
                "price_subtotal_incl": price * qty,
                "loyalty_points_reward_id": reward.id,
            }
        )
        data["amount_total"] = data["amount_paid"]
        return data

    def _reward_entries(self):
        return self._entries().filtered(lambda e: e.pos_order_line_id)

    # ------------------------------------------------------------------ loading
    def test_rewards_loaded_for_the_till(self):
        """The till loads the active rewards of its company's program that give a
        product, with their cost and product, as the cashier; the reward's product
        comes with the till's products even when not sold in the POS."""
        self.gift.available_in_pos = False
        self.env["loyalty.points.reward"].create(
            [
                {"name": "Archived", "program_id": self.program.id, "active": False},
                {"name": "No product", "program_id": self.program.id},
            ]
        )
        cashier = new_test_user(
            self.env,
            "lp_pos_reward_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        session = self.pos_session.with_user(cashier)
        data = session.load_data([])
        rewards = data["loyalty.points.reward"]
        self.assertFalse(rewards.get("error"))
        self.assertEqual(
            rewards["data"],
            [
                {
                    "id": self.reward.id,
                    "name": "Free shampoo",
                    "points_cost": 800.0,
                    "product_id": self.gift.id,
                }
            ],
        )
        self.assertIn("loyalty_points_reward_id", data["pos.order.line"]["fields"])
        product_ids = [p["id"] for p in data["product.product"]["data"]]
        self.assertIn(self.gift.id, product_ids)
        self.assertIn(
            self.gift.id, data["pos.session"]["data"][0]["_pos_special_products_ids"]
        )

    def test_rewards_kept_follow_the_catalogue(self):
        """The rewards a till loads are kept in the registry's cache: a second
        read makes no query; a reward renamed, added or archived shows at the
        next session start."""
        Reward = self.env["loyalty.points.reward"]
        self.assertEqual(
            [r["name"] for r in Reward._loyalty_points_pos_rewards(self.config)],
            ["Free shampoo"],
        )
        with self.assertQueryCount(0):
            Reward._loyalty_points_pos_rewards(self.config)
        self.reward.name = "Free conditioner"
        other = Reward.create(
            {
                "name": "Second gift",
                "program_id": self.program.id,
                "points_cost": 900,
                "product_id": self.gift.id,
            }
        )
        self.assertEqual(
            [r["name"] for r in Reward._loyalty_points_pos_rewards(self.config)],
            ["Free conditioner", "Second gift"],
        )
        self.reward.update_field_translations("name", {"en_US": "Free brushing"})
        other.active = False
        data = self.pos_session.load_data([])
        self.assertEqual(
            [r["name"] for r in data["loyalty.points.reward"]["data"]],
            ["Free brushing"],
        )

    # ------------------------------------------------------------------ redeeming
    def test_reward_redeemed_at_sync(self):
        """A reward line redeems the reward's cost once, linked to its line, and
        earns nothing: only the haircut earns (100 points); a replayed sync of
        the same order redeems nothing more."""
        self._grant(1000)
        data = self._reward_data([(self.cash_pm1, 50)])
        order = self._sync_data(data, strict=True)
        line = order.lines.filtered("loyalty_points_reward_id")
        self.assertEqual(line.price_subtotal_incl, 0.0)
        self.assertRecordValues(
            self._reward_entries(),
            [
                {
                    "kind": "redeem",
                    "points": -800.0,
                    "pos_order_id": order.id,
                    "pos_order_line_id": line.id,
                    "origin": order.name,
                }
            ],
        )
        earn = self._entries().filtered(lambda e: e.kind == "earn")
        self.assertEqual(earn.points, 100.0, "the reward line earns nothing")
        self.assertEqual(order.loyalty_points_spent, 800.0)
        self.assertEqual(self._points(), 1000 - 800 + 100)
        # A retry, a second tab: the same uuid again, and the sync itself again.
        self.assertEqual(self._sync_data(data, strict=True), order)
        order._loyalty_points_pos_sync(strict=True)
        self.assertEqual(self._points(), 1000 - 800 + 100, "redeemed once")

    def test_unique_index_backs_it(self):
        """The ledger refuses a second redemption of the same reward line."""
        self._grant(2000)
        order = self._sync_data(self._reward_data([(self.cash_pm1, 50)]))
        line = order.lines.filtered("loyalty_points_reward_id")
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(UniqueViolation),
            self.env.cr.savepoint(),
        ):
            self.Entry._write_entries(
                [
                    {
                        "partner_id": self.customer.id,
                        "program_id": self.program.id,
                        "kind": "redeem",
                        "points": -800,
                        "pos_order_line_id": line.id,
                    }
                ]
            )

    def test_strict_refusal_writes_nothing(self):
        """Not enough points for the reward, for the order being validated: the
        cashier is told why, and neither the order nor any entry is saved."""
        self._grant(500)
        before = self.env["pos.order"].search_count([])
        with self.assertRaisesRegex(UserError, "needs 800 points"):
            with self.env.cr.savepoint():
                self._sync_data(self._reward_data([(self.cash_pm1, 50)]), strict=True)
        self.assertEqual(self.env["pos.order"].search_count([]), before)
        self.assertEqual(self._points(), 500.0)

    def test_strict_refusals(self):
        """A reward needs a customer, a program that is on, and a price of 0."""
        self._grant(5000)
        cases = [
            ({"customer": False}, "choose the customer"),
            ({"price": 12.0}, "set its price to 0"),
        ]
        for kwargs, message in cases:
            price = kwargs.get("price", 0.0)
            with self.assertRaisesRegex(UserError, message), self.env.cr.savepoint():
                self._sync_data(
                    self._reward_data([(self.cash_pm1, 50 + price)], **kwargs),
                    strict=True,
                )
        self.program.state = "test"
        with self.assertRaisesRegex(UserError, "test mode"), self.env.cr.savepoint():
            self._sync_data(self._reward_data([(self.cash_pm1, 50)]), strict=True)
        self.assertEqual(self._points(), 5000.0)

    def test_offline_overdraw_flagged(self):
        """A reward given while the till was offline, whose points were spent
        meanwhile: the sale stands, the redemption overdraws, the order says so
        and a loyalty manager gets an activity."""
        self._grant(500)
        order = self._sync_data(self._reward_data([(self.cash_pm1, 50)]))
        self.assertEqual(order.state, "paid")
        self.assertEqual(self._reward_entries().points, -800.0)
        self.assertEqual(self._points(), 500 - 800 + 100)
        self.assertIn("offline", order.message_ids[:1].body)
        self.assertIn("needs 800 points", order.message_ids[:1].body)
        activity = self.customer.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn(order.name, activity.summary)

    def test_offline_price_ignored(self):
        """Offline, a reward line with a price is kept and flagged, and earns
        nothing: only the haircut earns."""
        self._grant(1000)
        order = self._sync_data(self._reward_data([(self.cash_pm1, 62)], price=12.0))
        self.assertEqual(self._reward_entries().points, -800.0)
        earn = self._entries().filtered(lambda e: e.kind == "earn")
        self.assertEqual(earn.points, 100.0)
        self.assertIn("set its price to 0", order.message_ids[:1].body)

    # ------------------------------------------------------------------ refunds
    def test_refund_gives_the_points_back(self):
        """Refunding the reward line gives its points back to the lots they came
        from, with their dates, once."""
        lot = self._grant(1000)
        order = self._sync_data(self._reward_data([(self.cash_pm1, 50)]), strict=True)
        line = order.lines.filtered("loyalty_points_reward_id")
        redeem = self._reward_entries()
        refund_data = self.create_ui_order_data(
            [
                {
                    "product": self.gift,
                    "quantity": -1,
                    "refunded_orderline_id": line.id,
                }
            ],
            customer=self.customer,
            payments=[],
        )
        refund_line = refund_data["lines"][0][2]
        refund_line.update(
            {"price_unit": 0.0, "price_subtotal": 0.0, "price_subtotal_incl": 0.0}
        )
        refund_data.update({"amount_total": 0.0, "amount_paid": 0.0})
        refund = self._sync_data(refund_data, strict=True)
        back = self._entries().filtered(lambda e: e.pos_order_id == refund)
        self.assertRecordValues(
            back,
            [
                {
                    "kind": "reverse",
                    "points": 800.0,
                    "reversed_entry_id": redeem.id,
                    "pos_order_line_id": refund.lines.id,
                    "expiry_date": lot.expiry_date,
                }
            ],
        )
        self.assertEqual(refund.loyalty_points_spent, -800.0)
        self.assertEqual(self._points(), 1000 + 100)
        refund._loyalty_points_pos_sync(strict=True)
        self.assertEqual(self._points(), 1000 + 100, "given back once")

    def test_reward_given_at_the_counter_is_archived_not_deleted(self):
        """A reward given at the counter cannot be deleted."""
        self._grant(1000)
        self._sync_data(self._reward_data([(self.cash_pm1, 50)]), strict=True)
        with self.assertRaisesRegex(UserError, "archive it"):
            self.reward.unlink()

    def test_two_rewards_on_one_order(self):
        """Two reward lines redeem each their cost; together more than the
        balance is refused."""
        self._grant(1700)
        data = self._reward_data([(self.cash_pm1, 50)])
        data["lines"].append(
            (0, 0, dict(data["lines"][1][2], id=data["lines"][1][2]["id"] + 1))
        )
        order = self._sync_data(data, strict=True)
        self.assertEqual(len(self._reward_entries()), 2)
        self.assertEqual(order.loyalty_points_spent, 1600.0)
        data = self._reward_data([(self.cash_pm1, 50)])
        data["lines"].append(
            (0, 0, dict(data["lines"][1][2], id=data["lines"][1][2]["id"] + 1))
        )
        with self.assertRaisesRegex(UserError, "needs 800"), self.env.cr.savepoint():
            self._sync_data(data, strict=True)
        self.assertEqual(len(self._reward_entries()), 2)
