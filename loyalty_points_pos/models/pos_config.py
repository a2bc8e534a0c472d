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
            # From the registry's cache: every session start computes these.
            facts = Program._program_facts(config.company_id.id)
            config.loyalty_points_state = facts.state if facts else "off"
            config.loyalty_points_point_value = facts.point_value if facts else 0.0
            config.loyalty_points_min_redemption = (
                facts.min_redemption if facts else 0.0
            )
            config.loyalty_points_pending_hours = facts.pending_hours if facts else 0
