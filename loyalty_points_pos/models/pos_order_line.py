# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero, format_amount


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    loyalty_points_reward_id = fields.Many2one(
        "loyalty.points.reward",
        string="Loyalty Reward",
        index="btree_not_null",
        ondelete="restrict",
        readonly=True,
        help="The reward of the catalogue this line gives at no charge, paid with "
        "points when the order syncs.",
    )

    @api.model
    def _load_pos_data_fields(self, config_id):
        return [*super()._load_pos_data_fields(config_id), "loyalty_points_reward_id"]

    # ------------------------------------------------------------------ sync
    def _loyalty_points_pos_rewards(self, program, strict):
        """The points of the reward lines of one paid order (``self``: its lines):
        a reward line redeems its reward's points once, through the same rules
        and lock as a reward on an invoice; a refunded reward line gives its
        share of them back. Replays write nothing more.

        ``strict`` (the order being validated): a refusal raises and the order
        stays open. Otherwise (an order sold offline) the reward is kept as given:
        its points are redeemed even if they overdraw, and the order is flagged."""
        order = self.order_id
        given = self.filtered(lambda line: line.loyalty_points_reward_id)
        returned = self.filtered(
            lambda line: line.qty < 0
            and line.refunded_orderline_id.loyalty_points_reward_id
        )
        if not given and not returned:
            return
        order.ensure_one()
        # sudo: which lines already have their entry, whatever the user's rights.
        Entry = self.env["loyalty.points.entry"].sudo()
        done = (
            Entry.browse()
            if order._loyalty_points_is_new()
            else Entry.search([("pos_order_line_id", "in", (given | returned).ids)])
        ).pos_order_line_id
        for line in given - returned - done:
            line._loyalty_points_pos_redeem_reward(program, strict)
        for line in returned - done:
            line._loyalty_points_pos_give_back_reward()

    def _loyalty_points_reward_refusal(self, program, partner, points):
        """Why this reward line cannot redeem now (the reward's rules, as on an
        invoice, and a price of 0: the till's price is never trusted), or False."""
        self.ensure_one()
        reward = self.loyalty_points_reward_id
        order = self.order_id
        if self.qty <= 0:
            return _(
                "The reward %(reward)s is given, not taken back: a refund of a reward "
                "goes through the refund of the order that gave it.",
                reward=reward.name,
            )
        if not program:
            return _(
                "No loyalty program covers %(company)s: remove the reward %(reward)s.",
                company=order.company_id.name,
                reward=reward.name,
            )
        if not partner:
            return _(
                "Points belong to a customer: choose the customer of %(order)s "
                "before giving the reward %(reward)s.",
                order=order.name,
                reward=reward.name,
            )
        if reward.program_id != program or not reward.active:
            return _(
                "The reward %(reward)s is no longer offered by %(program)s: remove "
                "it from the order.",
                reward=reward.name,
                program=program.name,
            )
        if self.product_id != reward.product_id:
            return _(
                "The line of the reward %(reward)s must be its product, %(product)s.",
                reward=reward.name,
                product=reward.product_id.display_name,
            )
        rounding = order.currency_id.rounding
        if not (
            float_is_zero(self.price_unit, precision_rounding=rounding)
            and float_is_zero(self.price_subtotal_incl, precision_rounding=rounding)
        ):
            return _(
                "The reward %(reward)s is given at no charge, but its line costs "
                "%(price)s: set its price to 0.",
                reward=reward.name,
                price=format_amount(
                    self.env, self.price_subtotal_incl, order.currency_id
                ),
            )
        try:
            program._check_spending_open("pos")
        except UserError as error:
            return error.args[0]
        return reward._loyalty_points_short_message(program, partner, points)

    def _loyalty_points_pos_redeem_reward(self, program, strict):
        self.ensure_one()
        order = self.order_id
        reward = self.loyalty_points_reward_id
        partner = order.partner_id.commercial_partner_id
        points = reward.points_cost * max(self.qty, 0.0)
        Entry = self.env["loyalty.points.entry"]
        if program and partner:
            Entry._lock_balances(program, partner)
        refusal = self._loyalty_points_reward_refusal(program, partner, points)
        if refusal and strict:
            raise UserError(refusal)
        if program and partner and points > 0:
            Entry._write_entries(
                [
                    {
                        "partner_id": partner.id,
                        "program_id": program.id,
                        "company_id": order.company_id.id,
                        "kind": "redeem",
                        "points": -points,
                        "pos_order_id": order.id,
                        "pos_order_line_id": self.id,
                        "origin": order.name,
                        "reason": _("Reward: %(reward)s", reward=reward.name),
                    }
                ]
            )
        if refusal:
            # Given while the till was offline: the goods are gone, the sale stands.
            order._loyalty_points_flag(
                _(
                    "The reward %(reward)s was given while the till was offline, but "
                    "it is refused now: %(error)s The sale is kept as sold; the "
                    "customer's balance shows what is missing.",
                    reward=reward.name,
                    error=refusal,
                )
            )

    def _loyalty_points_pos_give_back_reward(self):
        """A refunded reward line: give back its share of the points the reward
        took, to the lots they came from, with their dates."""
        self.ensure_one()
        original = self.refunded_orderline_id
        # sudo: the refunded line's redemption, whatever the user's rights.
        Entry = self.env["loyalty.points.entry"].sudo()
        redeem = Entry.search(
            [("pos_order_line_id", "=", original.id), ("kind", "=", "redeem")],
            limit=1,
        )
        if not redeem or not original.qty:
            return  # given without points (no customer): nothing to give back
        order = self.order_id
        redeem.program_id._give_back(
            redeem,
            points=-redeem.points * min(-self.qty / original.qty, 1.0),
            pos_order_id=order.id,
            pos_order_line_id=self.id,
            origin=order.name,
            reason=_(
                "Refund %(order)s: reward %(reward)s",
                order=order.name,
                reward=original.loyalty_points_reward_id.name,
            ),
        )
