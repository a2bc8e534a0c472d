# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..tools import wizard_input


class LoyaltyPointsRewardWizard(models.TransientModel):
    """Staff redeem a reward of the catalogue on a draft customer invoice: the
    reward comes as a line at no charge, paid with the customer's points."""

    _name = "loyalty.points.reward.wizard"
    _description = "Redeem a Loyalty Reward"

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        ondelete="cascade",
        domain=[("move_type", "=", "out_invoice"), ("state", "=", "draft")],
    )
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id", string="Customer"
    )
    program_id = fields.Many2one(
        "loyalty.points.program", compute="_compute_program_id"
    )
    reward_id = fields.Many2one(
        "loyalty.points.reward",
        required=True,
        domain="[('program_id', '=', program_id)]",
    )
    points_cost = fields.Float(related="reward_id.points_cost")
    description = fields.Text(related="reward_id.description")
    available = fields.Float(
        string="Available Points",
        digits="Loyalty Points",
        compute="_compute_available",
    )

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([wizard_input(self, v, create=True) for v in vals_list])

    def write(self, vals):
        return super().write(wizard_input(self, vals))

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if (
            "move_id" in fields_list
            and not res.get("move_id")
            and context.get("active_model") == "account.move"
            and context.get("active_id")
        ):
            res["move_id"] = context["active_id"]
        return res

    @api.depends("move_id.company_id")
    def _compute_program_id(self):
        Program = self.env["loyalty.points.program"]
        for wizard in self:
            wizard.program_id = (
                Program._program_for_company(wizard.move_id.company_id)
                if wizard.move_id
                else Program
            )

    @api.depends("partner_id", "program_id")
    def _compute_available(self):
        for wizard in self:
            wizard.available = (
                max(wizard.partner_id._loyalty_points_spendable(wizard.program_id), 0)
                if wizard.partner_id and wizard.program_id
                else 0.0
            )

    def action_redeem(self):
        """Add the reward to the invoice and spend its points; back to the invoice."""
        self.ensure_one()
        self.move_id._loyalty_points_redeem_reward(self.reward_id)
        return {"type": "ir.actions.act_window_close"}
