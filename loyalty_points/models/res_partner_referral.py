# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    loyalty_points_referred_by_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        ondelete="restrict",
        tracking=True,
        help="The customer who brought this one. When this customer's first ticket "
        "earns points, the referrer earns the program's referral points, once. It "
        "cannot be changed once saved.",
    )
    loyalty_points_referral_locked = fields.Boolean(
        compute="_compute_loyalty_points_referral_locked",
        help="The referrer is saved and can no longer change.",
    )

    # No dependency on purpose: the form keeps the value that was saved, so the
    # field stays editable until the record is saved with a referrer.
    def _compute_loyalty_points_referral_locked(self):
        for partner in self:
            partner.loyalty_points_referral_locked = bool(
                partner._origin.loyalty_points_referred_by_id
            )

    @api.constrains("loyalty_points_referred_by_id")
    def _check_loyalty_points_referred_by(self):
        for partner in self:
            referrer = partner.loyalty_points_referred_by_id
            if (
                referrer
                and referrer.commercial_partner_id == partner.commercial_partner_id
            ):
                raise ValidationError(
                    _(
                        "%(partner)s cannot be referred by %(referrer)s: a customer "
                        "cannot refer itself, nor be referred by one of its own "
                        "contacts. Choose the customer who brought them.",
                        partner=partner.display_name,
                        referrer=referrer.display_name,
                    )
                )

    def write(self, vals):
        if "loyalty_points_referred_by_id" in vals:
            self._loyalty_points_check_referrer_change(
                vals["loyalty_points_referred_by_id"]
            )
        return super().write(vals)

    def _loyalty_points_check_referrer_change(self, referrer_id):
        """A referrer is set once: refuse to change or clear it."""
        for partner in self:
            current = partner.loyalty_points_referred_by_id
            if current and current.id != referrer_id:
                raise UserError(
                    _(
                        "%(partner)s was referred by %(referrer)s, which cannot be "
                        "changed once saved.",
                        partner=partner.display_name,
                        referrer=current.display_name,
                    )
                )
