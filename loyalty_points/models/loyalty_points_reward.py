# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools import format_points


class LoyaltyPointsReward(models.Model):
    """A reward of the catalogue: what a customer gets for a fixed number of
    points, redeemed on a customer invoice as a line at no charge."""

    _name = "loyalty.points.reward"
    _description = "Loyalty Points Reward"
    _order = "sequence, points_cost, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(
        default=True, help="Archived rewards are no longer offered to customers."
    )
    program_id = fields.Many2one(
        "loyalty.points.program",
        required=True,
        ondelete="cascade",
        index=True,
        default=lambda self: self.env["loyalty.points.program"]._program_for_company(),
    )
    points_cost = fields.Float(
        string="Points",
        digits="Loyalty Points",
        required=True,
        default=100.0,
        help="The points the customer spends to get the reward.",
    )
    description = fields.Text(
        translate=True, help="What the reward entails, as customers see it."
    )
    product_id = fields.Many2one(
        "product.product",
        ondelete="restrict",
        help="The product put on the invoice at no charge. Empty: a line with the "
        "reward's name.",
    )
    company_ids = fields.Many2many(related="program_id.company_ids")

    # Written once, in the database, with the message the user reads (Odoo turns
    # a violated CHECK into it).
    _sql_constraints = [
        (
            "points_cost_positive",
            "CHECK(points_cost > 0)",
            "The points of a reward must be greater than zero; enter what the "
            "customer spends to get it.",
        ),
    ]

    @api.ondelete(at_uninstall=False)
    def _unlink_except_redeemed(self):
        # sudo: a loyalty manager may not read every invoice; only a count.
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search([("loyalty_points_reward_id", "in", self.ids)], limit=1)
        )
        if lines:
            raise UserError(
                _(
                    "The reward %(reward)s is on invoices and cannot be deleted; "
                    "archive it instead to stop offering it.",
                    reward=lines.loyalty_points_reward_id.name,
                )
            )

    def _loyalty_points_short_message(self, program, partner, points):
        """Why ``partner`` cannot have ``points`` points of this reward now (under
        their balance lock), or False: the one rule of what can be spent, and
        the one message, for rewards on invoices and at the counter."""
        self.ensure_one()
        if partner._loyalty_points_has_balance(program, points):
            return False
        available = max(partner._loyalty_points_spendable(program), 0.0)
        return _(
            "%(partner)s has %(available)s points available; the reward "
            "%(reward)s needs %(points)s points.",
            partner=partner.display_name,
            available=format_points(self.env, available),
            reward=self.name,
            points=format_points(self.env, points),
        )
