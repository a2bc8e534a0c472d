# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, models, tools
from odoo.exceptions import UserError

# What a till loads of each reward, besides its id.
POS_FIELDS = ("name", "points_cost", "product_id")


class LoyaltyPointsReward(models.Model):
    _name = "loyalty.points.reward"
    _inherit = ["loyalty.points.reward", "pos.load.mixin"]

    @api.model
    def _loyalty_points_pos_rewards(self, config):
        """The rewards a till offers, as it loads them ({id, name, points_cost,
        product_id}): the active ones of its company's program that give a
        product (a till sells products, not free text). From the registry's
        cache, per program and language (cleared when a reward changes): every
        session start loads them, and their products with the till's."""
        facts = self.env["loyalty.points.program"]._program_facts(config.company_id.id)
        if not facts:
            return []
        return [
            dict(zip(("id", *POS_FIELDS), row, strict=True))
            for row in self._loyalty_points_pos_reward_rows(
                facts.id, self.env.lang or "en_US"
            )
        ]

    @api.model
    @tools.ormcache("program_id", "lang")
    def _loyalty_points_pos_reward_rows(self, program_id, lang):
        # sudo: the program's catalogue is the same for every cashier of a till
        # it covers (the record rule lets users read the rewards of their
        # companies' programs, which the till's company's program is).
        rewards = (
            self.sudo()
            .with_context(lang=lang)
            .search_fetch(
                [("program_id", "=", program_id), ("product_id", "!=", False)],
                POS_FIELDS,
            )
        )
        return tuple(
            (reward.id, reward.name, reward.points_cost, reward.product_id.id)
            for reward in rewards
        )

    def _load_pos_data(self, data):
        config = self.env["pos.config"].browse(data["pos.config"]["data"][0]["id"])
        return {
            "data": self._loyalty_points_pos_rewards(config),
            "fields": list(POS_FIELDS),
        }

    @api.model
    def _load_pos_data_fields(self, config_id):
        return list(POS_FIELDS)

    # The tills' cache of rewards (_loyalty_points_pos_reward_rows) follows
    # every change of the catalogue.
    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    def update_field_translations(self, field_name, translations, source_lang=None):
        self.env.registry.clear_cache()
        return super().update_field_translations(
            field_name, translations, source_lang=source_lang
        )

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
