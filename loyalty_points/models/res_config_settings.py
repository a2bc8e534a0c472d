# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    loyalty_points_mail_after_payment = fields.Boolean(
        related="company_id.loyalty_points_mail_after_payment",
        readonly=False,
    )
