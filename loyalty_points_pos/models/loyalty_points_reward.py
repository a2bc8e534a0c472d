# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, models
from odoo.exceptions import UserError


class LoyaltyPointsReward(models.Model):
    _name = "loyalty.points.reward"
    _inherit = ["loyalty.points.reward", "pos.load.mixin"]

    @api.model
    def _loyalty_points_pos_domain(self, config):
        """The rewards a till offers: the active ones of its company's program
        that give a product (a till sells products, not free text)."""
        # sudo: cashiers have no right on programs; only its id is used.
        program = (
            self.env["loyalty.points.program"]
            .sudo()
            ._program_for_company(config.company_id)
        )
        if not program:
            return False
        return [("program_id", "=", program.id), ("product_id", "!=", False)]

    @api.model
    def _load_pos_data_domain(self, data):
        config = self.env["pos.config"].browse(data["pos.config"]["data"][0]["id"])
        return self._loyalty_points_pos_domain(config)

    @api.model
    def _load_pos_data_fields(self, config_id):
        return ["name", "points_cost", "product_id"]

    @api.ondelete(at_uninstall=False)
    def _unlink_except_given_at_the_counter(self):
        # sudo: a loyalty manager may not read every order; only a count.
        lines = (
            self.env["pos.order.line"]
            .sudo()
            .search([("loyalty_points_reward_id", "in", self.ids)], limit=1)
        )
        if lines:
            raise UserError(
                _(
                    "The reward %(reward)s was given at the counter and cannot be "
                    "deleted; archive it instead to stop offering it.",
                    reward=lines.loyalty_points_reward_id.name,
                )
            )
