# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Referrals, in one place: a customer names who brought them (once), and when
that customer's first ticket earns points, the referrer gets the program's
referral points, once per program, as a ``referral`` entry."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class LoyaltyPointsProgram(models.Model):
    # One file per concern: the model is split by what each part does.
    _inherit = "loyalty.points.program"  # pylint: disable=consider-merging-classes-inherited

    referral_points = fields.Float(
        digits="Loyalty Points",
        default=0.0,
        tracking=True,
        help="Points a customer earns when a customer they referred pays a first "
        "ticket that earns points; once per referred customer. 0: referrals earn "
        "nothing.",
    )

    _sql_constraints = [
        (
            "referral_points_positive",
            "CHECK(referral_points >= 0)",
            "The referral points cannot be negative; use 0 for no referral reward.",
        ),
    ]


class LoyaltyPointsEntry(models.Model):
    # One file per concern: the model is split by what each part does.
    _inherit = "loyalty.points.entry"  # pylint: disable=consider-merging-classes-inherited

    referral_partner_id = fields.Many2one(
        "res.partner",
        string="Referred Customer",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="For referral points: the customer whose first ticket earned them.",
    )

    def init(self):
        res = super().init()
        # A referred customer earns its referrer points once per program.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS loyalty_points_entry_referral_uniq
                ON loyalty_points_entry (program_id, referral_partner_id)
             WHERE referral_partner_id IS NOT NULL
            """
        )
        return res

    @api.model
    def _grant_referrals(self, earn_entries):
        """Write the referral points due for ``earn_entries``, ``earn`` entries that
        an accrual (an invoice, a POS order) has just written: for each one that is
        its customer's first ``earn`` entry in its program, the customer's referrer
        gets the program's referral points, unless already given."""
        # sudo: the accrual runs as whoever closed the ticket; the referrer's
        # ledger is written by the program's rules, not by that user's rights.
        Entry = self.sudo()
        written = Entry.browse()
        for earn in earn_entries.sudo().filtered(lambda e: e.kind == "earn"):
            program = earn.program_id
            customer = earn.partner_id.commercial_partner_id
            referrer = customer.loyalty_points_referred_by_id.commercial_partner_id
            if (
                not referrer
                or referrer == customer
                or program.state == "off"
                or program.referral_points <= 0
            ):
                continue
            first = Entry.search(
                [
                    ("partner_id", "=", customer.id),
                    ("program_id", "=", program.id),
                    ("kind", "=", "earn"),
                ],
                order="id",
                limit=1,
            )
            if first != earn:
                continue
            Entry._lock_balances(program, referrer)
            if Entry.search_count(
                [
                    ("program_id", "=", program.id),
                    ("referral_partner_id", "=", customer.id),
                ],
                limit=1,
            ):
                continue
            written |= Entry._write_entries(
                [
                    {
                        "partner_id": referrer.id,
                        "program_id": program.id,
                        "company_id": earn.company_id.id,
                        "kind": "referral",
                        "points": program.referral_points,
                        "referral_partner_id": customer.id,
                        "origin": earn.move_id.name or earn.origin,
                        "reason": _(
                            "Referral: %(customer)s", customer=customer.display_name
                        ),
                    }
                ]
            )
        return written


class ResPartner(models.Model):
    # One file per concern: the model is split by what each part does.
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    loyalty_points_referred_by_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        # Not indexed: see loyalty.points.entry.init().
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
