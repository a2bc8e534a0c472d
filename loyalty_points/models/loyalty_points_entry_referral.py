# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models


class LoyaltyPointsEntry(models.Model):
    """Referral points: the referrer of a customer earns the program's referral
    points when that customer's first ticket earns, once per referred customer
    and program (a unique index makes sure of it).

    The referral stays earned when that first ticket is later refunded or
    cancelled: it rewards bringing a customer who paid, and taking it back would
    reach into the balance of someone else than the one who was refunded."""

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
        """Write the referral points due for ``earn_entries``, entries that were just
        written by an accrual (an invoice, a POS order): for each one that is its
        customer's first ``earn`` entry in its program, the customer's referrer
        earns the program's referral points, unless already given."""
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
                        "kind": "earn",
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
