# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, fields, models
from odoo.tools import SQL


class AccountMove(models.Model):
    _inherit = "account.move"

    loyalty_points_booked_entry_ids = fields.Many2many(
        "loyalty.points.entry",
        "loyalty_points_entry_booked_rel",
        "move_id",
        "entry_id",
        string="Booked Loyalty Points Entries",
        readonly=True,
        copy=False,
        help="The ledger movements whose value this journal entry books.",
    )

    def init(self):
        res = super().init()
        # A ledger entry is booked by one journal entry only, whatever writes the
        # link (the ORM inserts Many2many rows with ON CONFLICT DO NOTHING, so the
        # booking inserts its links itself and fails on a second booking).
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS loyalty_points_entry_booked_rel_entry_uniq
                ON loyalty_points_entry_booked_rel (entry_id)
            """
        )
        return res

    def button_cancel(self):
        res = super().button_cancel()
        # A cancelled booking no longer books its entries: the next run books them
        # again (a deleted one loses its links through the cascade).
        cancelled = self.filtered(
            lambda m: m.state == "cancel" and m.loyalty_points_booked_entry_ids
        )
        if cancelled:
            cancelled.loyalty_points_booked_entry_ids = [Command.clear()]
        return res

    def _loyalty_points_books_link(self, entry_ids):
        """Record that this journal entry books the ledger entries ``entry_ids``.
        A plain INSERT: the unique index on ``entry_id`` refuses an entry that is
        already booked."""
        self.ensure_one()
        if not entry_ids:
            return
        self.env.cr.execute(
            SQL(
                """INSERT INTO loyalty_points_entry_booked_rel (move_id, entry_id)
                   SELECT %s, unnest(%s::int[])""",
                self.id,
                list(entry_ids),
            )
        )
        self.invalidate_recordset(["loyalty_points_booked_entry_ids"])
