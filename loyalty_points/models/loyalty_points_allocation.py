# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError


class LoyaltyPointsAllocation(models.Model):
    """Which lot a negative ledger entry took its points from. Written with the entry,
    never changed: a lot's remainder is its points minus its allocations."""

    _name = "loyalty.points.allocation"
    _description = "Loyalty Points Taken From a Lot"
    _order = "id"

    consumer_id = fields.Many2one(
        "loyalty.points.entry",
        string="Entry",
        required=True,
        index=True,
        ondelete="restrict",
        readonly=True,
    )
    lot_id = fields.Many2one(
        "loyalty.points.entry",
        required=True,
        index=True,
        ondelete="restrict",
        readonly=True,
    )
    points = fields.Float(digits="Loyalty Points", required=True, readonly=True)
    lot_expiry_date = fields.Date(related="lot_id.expiry_date", string="Lot Expiry")
    partner_id = fields.Many2one(related="consumer_id.partner_id")
    company_id = fields.Many2one(related="consumer_id.company_id")

    def init(self):
        self.env.cr.execute(
            """
            CREATE OR REPLACE FUNCTION loyalty_points_allocation_immutable()
            RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'loyalty points allocations cannot be changed'
                    USING ERRCODE = 'restrict_violation';
            END $$;
            DROP TRIGGER IF EXISTS loyalty_points_allocation_immutable
                ON loyalty_points_allocation;
            CREATE TRIGGER loyalty_points_allocation_immutable
                BEFORE UPDATE OR DELETE ON loyalty_points_allocation
                FOR EACH ROW EXECUTE FUNCTION loyalty_points_allocation_immutable();
            """
        )

    def write(self, vals):
        if self:
            raise UserError(_("Where points were taken from cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_("Where points were taken from cannot be deleted."))
