# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class LoyaltyPointsEntry(models.Model):
    _inherit = "loyalty.points.entry"

    # ondelete restrict: "set null" would update the entry, which the ledger
    # refuses; an order with points history is never deleted (pos.order).
    pos_order_id = fields.Many2one(
        "pos.order",
        string="Point of Sale Order",
        index="btree_not_null",
        ondelete="restrict",
        readonly=True,
    )
    pos_payment_id = fields.Many2one(
        "pos.payment",
        string="Point of Sale Payment",
        index="btree_not_null",
        ondelete="restrict",
        readonly=True,
    )
    pos_order_line_id = fields.Many2one(
        "pos.order.line",
        string="Point of Sale Order Line",
        index="btree_not_null",
        ondelete="restrict",
        readonly=True,
        help="The reward line this entry redeems, or the refund line giving its "
        "points back.",
    )

    def _ticket_vals(self, vals):
        res = super()._ticket_vals(vals)
        if self.pos_order_id:
            # A reversal of an order's earning may name the refund that wrote it
            # (found through the entry it reverses): the refund's receipt then
            # shows all the points it took back.
            res["pos_order_id"] = vals.get("pos_order_id") or self.pos_order_id.id
        return res

    def init(self):
        res = super().init()
        cr = self.env.cr
        # The same order earns once per cycle, however often it is synced.
        cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS loyalty_points_entry_pos_order_earn_uniq
                ON loyalty_points_entry (program_id, pos_order_id, earn_cycle)
             WHERE kind = 'earn' AND pos_order_id IS NOT NULL
            """
        )
        # A points payment at the counter redeems once.
        cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS loyalty_points_entry_pos_payment_uniq
                ON loyalty_points_entry (pos_payment_id)
             WHERE kind = 'redeem' AND pos_payment_id IS NOT NULL
            """
        )
        # A reward line at the counter redeems once.
        cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS loyalty_points_entry_pos_line_uniq
                ON loyalty_points_entry (pos_order_line_id)
             WHERE kind = 'redeem' AND pos_order_line_id IS NOT NULL
            """
        )
        return res
