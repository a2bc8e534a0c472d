# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _reconcile_pre_hook(self):
        data = super()._reconcile_pre_hook()
        data["loyalty_points_moves"] = self.move_id
        return data

    def _reconcile_post_hook(self, data):
        res = super()._reconcile_post_hook(data)
        data["loyalty_points_moves"]._loyalty_points_sync()
        return res

    loyalty_points_reward_id = fields.Many2one(
        "loyalty.points.reward",
        string="Loyalty Reward",
        readonly=True,
        ondelete="restrict",
        # Not indexed: see loyalty.points.entry.init().
        help="The reward this line gives at no charge, paid with points.",
    )

    def write(self, vals):
        rewards = self.filtered("loyalty_points_reward_id")
        if rewards:
            rewards._loyalty_points_check_reward_write(vals)
        return super().write(vals)

    def _loyalty_points_check_reward_write(self, vals):
        """A reward line gives one reward at no charge: its product, quantity and
        price stay as the redemption made them."""
        for line in self:
            changed = (
                "product_id" in vals and vals["product_id"] != line.product_id.id
            ) or (
                "quantity" in vals
                and float_compare(
                    vals["quantity"],
                    line.quantity,
                    precision_rounding=line.product_uom_id.rounding or 0.01,
                )
            )
            priced = "price_unit" in vals and not float_is_zero(
                vals["price_unit"] or 0.0,
                precision_rounding=line.currency_id.rounding or 0.01,
            )
            if changed or priced:
                raise UserError(
                    _(
                        "%(line)s is the loyalty reward %(reward)s, paid with points: "
                        "its product, quantity and price cannot change. Delete the "
                        "line to give the points back, then redeem another reward.",
                        line=line.name,
                        reward=line.loyalty_points_reward_id.name,
                    )
                )

    def unlink(self):
        # A deleted reward line gives its points back first.
        rewarded = self.filtered("loyalty_points_reward_id")
        for move, lines in rewarded.grouped("move_id").items():
            move._loyalty_points_give_back_rewards(
                lines, _("Reward line deleted from %(move)s", move=move.display_name)
            )
        return super().unlink()
