# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class PosPaymentMethod(models.Model):
    _inherit = "pos.payment.method"

    loyalty_points_redeem = fields.Boolean(
        string="Pays With Loyalty Points",
        related="journal_id.loyalty_points_journal",
        # Stored: every sync reads it of each payment, without loading journals.
        store=True,
        help="This method pays with the customer's loyalty points: the company's "
        "Loyalty Points method, on its points journal.",
    )
    loyalty_points_earn = fields.Boolean(
        string="Payments Earn Loyalty Points",
        default=True,
        help="Only the share of an order paid with methods that earn gives points; "
        "card payments can be set not to earn.",
    )

    @api.constrains("journal_id", "split_transactions")
    def _check_loyalty_points_method(self):
        for method in self.filtered("loyalty_points_redeem"):
            if not method.split_transactions:
                raise ValidationError(
                    _(
                        "%(method)s pays with points, which belong to a customer: "
                        "keep 'Identify Customer' set.",
                        method=method.name,
                    )
                )

    @api.model
    def _load_pos_data_fields(self, config_id):
        return [
            *super()._load_pos_data_fields(config_id),
            "loyalty_points_redeem",
            "loyalty_points_earn",
        ]
