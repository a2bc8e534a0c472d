# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class PosConfig(models.Model):
    _inherit = "pos.config"

    # The till loads every field of its configuration: the program's settings
    # come with it (kept offline too), without a right on programs.
    loyalty_points_state = fields.Selection(
        [("off", "Off"), ("test", "Test"), ("on", "On")],
        compute="_compute_loyalty_points",
        compute_sudo=True,
    )
    loyalty_points_point_value = fields.Float(
        compute="_compute_loyalty_points", compute_sudo=True
    )
    loyalty_points_min_redemption = fields.Float(
        compute="_compute_loyalty_points", compute_sudo=True
    )
    loyalty_points_pending_hours = fields.Integer(
        compute="_compute_loyalty_points", compute_sudo=True
    )

    @api.depends("company_id")
    def _compute_loyalty_points(self):
        Program = self.env["loyalty.points.program"]
        for config in self:
            program = Program._program_for_company(config.company_id)
            config.loyalty_points_state = program.state or "off"
            config.loyalty_points_point_value = program.point_value
            config.loyalty_points_min_redemption = program.min_redemption
            config.loyalty_points_pending_hours = program.pending_hours
