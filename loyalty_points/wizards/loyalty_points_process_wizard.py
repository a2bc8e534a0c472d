# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models

from ..tools import wizard_input


class LoyaltyPointsProcessWizard(models.TransientModel):
    """Award the points that paid invoices are missing (e.g. paid while the program
    was off) and say how many invoices and points were written."""

    _name = "loyalty.points.process.wizard"
    _description = "Process Loyalty Points"

    @api.model
    def _default_program_ids(self):
        return self.env["loyalty.points.program"].search(
            [("state", "in", ("test", "on"))]
        )

    program_ids = fields.Many2many(
        "loyalty.points.program",
        string="Programs",
        default=_default_program_ids,
        domain=[("state", "in", ("test", "on"))],
        help="Paid invoices of these programs' companies, dated from the program's "
        "start date, that have no points yet earn them now.",
    )
    state = fields.Selection(
        [("draft", "To Process"), ("done", "Processed")], default="draft"
    )
    invoice_count = fields.Integer(string="Invoices", readonly=True)
    points = fields.Float(digits="Loyalty Points", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([wizard_input(self, v, create=True) for v in vals_list])

    def write(self, vals):
        return super().write(wizard_input(self, vals))

    def action_process(self):
        self.ensure_one()
        self.program_ids._backfill_check()
        # Only points managers reach this wizard (access rules); computing what an
        # invoice earns reads invoices, payments and journals that a points manager
        # without accounting rights may not read, and writes the ledger.
        invoice_count, points = self.program_ids.sudo()._backfill_invoices()
        self.write({"state": "done", "invoice_count": invoice_count, "points": points})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Process Loyalty Points"),
        }
