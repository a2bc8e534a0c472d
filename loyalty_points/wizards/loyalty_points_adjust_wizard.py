# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_is_zero

from ..tools import format_points, wizard_input

MANAGER_GROUP = "loyalty_points.group_loyalty_points_manager"


class LoyaltyPointsAdjustWizard(models.TransientModel):
    """A manager grants (positive points) or deducts (negative points) points by
    hand, with a reason; the entry is an ``adjust`` entry of the ledger."""

    _name = "loyalty.points.adjust.wizard"
    _description = "Grant or Deduct Loyalty Points"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        help="The points go to the customer's commercial entity.",
    )
    program_id = fields.Many2one(
        "loyalty.points.program",
        required=True,
        default=lambda self: self.env["loyalty.points.program"]._program_for_company(),
    )
    points = fields.Float(
        digits="Loyalty Points",
        help="Positive to grant points, negative to deduct them.",
    )
    reason = fields.Char(
        required=True, help="Why; the customer's history and chatter show it."
    )
    expiry_date = fields.Date(
        help="For granted points: the day they expire. Empty: the program's "
        "expiry period applies. Ignored for deductions.",
    )
    balance = fields.Float(
        string="Current Balance",
        digits="Loyalty Points",
        compute="_compute_balances",
    )
    available = fields.Float(
        string="Available Now",
        digits="Loyalty Points",
        compute="_compute_balances",
    )

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([wizard_input(self, v, create=True) for v in vals_list])

    def write(self, vals):
        return super().write(wizard_input(self, vals))

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if (
            "partner_id" in fields_list
            and not res.get("partner_id")
            and context.get("active_model") == "res.partner"
            and context.get("active_id")
        ):
            partner = self.env["res.partner"].browse(context["active_id"])
            res["partner_id"] = partner.commercial_partner_id.id
        return res

    @api.depends("partner_id", "program_id")
    def _compute_balances(self):
        for wizard in self:
            amounts = wizard.partner_id._loyalty_points_amounts(wizard.program_id)
            balance, _pending, available = amounts.get(
                wizard.partner_id.commercial_partner_id.id, (0.0, 0.0, 0.0)
            )
            wizard.balance = balance
            wizard.available = available

    def _check_adjustment(self):
        """Refuse what a manager may not record; say what to change."""
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                _(
                    "Only loyalty points managers can grant or deduct points. Ask a "
                    "manager to record this adjustment."
                )
            )
        precision = self.env["decimal.precision"].precision_get("Loyalty Points")
        if float_is_zero(self.points, precision_digits=precision):
            raise UserError(
                _(
                    "Enter the points to grant (positive) or to deduct (negative); "
                    "zero changes nothing."
                )
            )
        if not (self.reason or "").strip():
            raise UserError(_("Enter the reason of the adjustment."))
        company = self._adjustment_company()
        if not company:
            raise UserError(
                _(
                    "The program %(program)s does not cover any of your companies: "
                    "switch to one of its companies.",
                    program=self.program_id.name,
                )
            )
        if (
            self.points > 0
            and self.expiry_date
            and self.expiry_date < self.env["loyalty.points.entry"]._ledger_today()
        ):
            raise UserError(
                _(
                    "The expiry date %(date)s is in the past: choose today or a later "
                    "day, or leave it empty for the program's expiry period.",
                    date=self.expiry_date,
                )
            )

    def _adjustment_company(self):
        """The centre the entry is recorded in: the current company when the program
        covers it, else the first of the user's companies that it covers."""
        companies = self.program_id.company_ids
        if self.env.company in companies:
            return self.env.company
        return (companies & self.env.companies)[:1]

    def action_apply(self):
        """Write the adjustment, post it in the customer's chatter, close."""
        self.ensure_one()
        self._check_adjustment()
        Entry = self.env["loyalty.points.entry"]
        partner = self.partner_id.commercial_partner_id
        program = self.program_id
        Entry._lock_balances(program, partner)
        if self.points < 0 and not partner._loyalty_points_has_balance(
            program, -self.points
        ):
            available = partner._loyalty_points_spendable(program)
            raise UserError(
                _(
                    "Only %(points)s points are available for %(partner)s: "
                    "deduct at most that many.",
                    points=format_points(self.env, max(available, 0.0)),
                    partner=partner.display_name,
                )
            )
        vals = {
            "partner_id": partner.id,
            "program_id": program.id,
            "company_id": self._adjustment_company().id,
            "points": self.points,
            "kind": "adjust",
            "reason": self.reason.strip(),
            "date": fields.Datetime.now(),
        }
        if self.points > 0:
            # A manager's grant is spendable at once: no pending period.
            vals.update(
                Entry._prepare_lot_vals(program, vals["date"], self.expiry_date),
                available_date=vals["date"],
            )
        Entry._write_entries([vals])
        balance = partner._loyalty_points_amounts(program)[partner.id][0]
        body = (
            _(
                "%(points)s loyalty points granted (%(program)s): %(reason)s. "
                "New balance: %(balance)s points.",
                points=format_points(self.env, self.points),
                program=program.name,
                reason=vals["reason"],
                balance=format_points(self.env, balance),
            )
            if self.points > 0
            else _(
                "%(points)s loyalty points deducted (%(program)s): %(reason)s. "
                "New balance: %(balance)s points.",
                points=format_points(self.env, -self.points),
                program=program.name,
                reason=vals["reason"],
                balance=format_points(self.env, balance),
            )
        )
        # sudo: posting on a contact needs write access to it, which a loyalty
        # manager (checked above) may not have; the author stays the manager.
        partner.sudo().message_post(
            body=body,
            author_id=self.env.user.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return {"type": "ir.actions.act_window_close"}
