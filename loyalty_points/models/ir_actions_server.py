# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

_logger = logging.getLogger(__name__)


class IrActionsServer(models.Model):
    """A server action type that grants points, for automation rules (birthdays,
    enrolment, bookings, reviews) and for contextual actions."""

    _inherit = "ir.actions.server"

    state = fields.Selection(
        selection_add=[("loyalty_points", "Grant loyalty points")],
        ondelete={"loyalty_points": "cascade"},
    )
    loyalty_points_amount = fields.Float(
        string="Points to Grant",
        digits="Loyalty Points",
        help="Points given to the customer of each record the action runs on.",
    )
    loyalty_points_expiry_days = fields.Integer(
        string="Points Expire After (Days)",
        help="Days after which the granted points expire; 0 applies the program's "
        "expiry period.",
    )
    loyalty_points_reason = fields.Char(
        string="Reason",
        help="Shown in the customer's points history, e.g. 'Welcome to the club'.",
    )

    # ------------------------------------------------------------------ checks
    @api.constrains(
        "state",
        "model_id",
        "loyalty_points_amount",
        "loyalty_points_expiry_days",
        "loyalty_points_reason",
    )
    def _check_loyalty_points(self):
        """Say which setting of a points action is missing or wrong."""
        precision = self.env["decimal.precision"].precision_get("Loyalty Points")
        for action in self.filtered(lambda a: a.state == "loyalty_points"):
            if (
                float_compare(
                    action.loyalty_points_amount, 0.0, precision_digits=precision
                )
                <= 0
            ):
                raise ValidationError(
                    _(
                        "%(action)s: the points to grant must be greater than zero.",
                        action=action.name,
                    )
                )
            if action.loyalty_points_expiry_days < 0:
                raise ValidationError(
                    _(
                        "%(action)s: the expiry cannot be negative; use 0 for the "
                        "program's expiry period.",
                        action=action.name,
                    )
                )
            if not (action.loyalty_points_reason or "").strip():
                raise ValidationError(
                    _(
                        "%(action)s: enter the reason of the grant; the customer's "
                        "points history shows it.",
                        action=action.name,
                    )
                )
            model_name = action.model_id.model
            if model_name and not action._loyalty_points_partner_field(model_name):
                raise ValidationError(
                    action._loyalty_points_no_partner_message(model_name)
                )

    @api.depends("state")
    def _compute_available_model_ids(self):
        """A points action runs on contacts and on documents with a customer."""
        points = self.filtered(lambda a: a.state == "loyalty_points")
        if points:
            fields_ = self.env["ir.model.fields"].search(
                [
                    ("name", "=", "partner_id"),
                    ("ttype", "=", "many2one"),
                    ("relation", "=", "res.partner"),
                    ("model_id.transient", "=", False),
                ]
            )
            models_ = fields_.model_id | self.env["ir.model"]._get("res.partner")
            points.available_model_ids = models_.ids
        return super(IrActionsServer, self - points)._compute_available_model_ids()

    @api.model
    def _loyalty_points_partner_field(self, model_name):
        """The field of ``model_name`` that names the customer who gets the points:
        ``id`` for contacts, ``partner_id`` for documents, None for other models."""
        if model_name == "res.partner":
            return "id"
        field = self.env[model_name]._fields.get("partner_id")
        if field and field.type == "many2one" and field.comodel_name == "res.partner":
            return field.name
        return None

    @api.model
    def _loyalty_points_no_partner_message(self, model_name):
        return _(
            "Loyalty points go to a customer, and %(model)s records have none: run "
            "the action on contacts or on documents with a customer (a 'partner_id' "
            "field).",
            model=self.env["ir.model"]._get(model_name).name or model_name,
        )

    # ------------------------------------------------------------------ run
    def _run_action_loyalty_points_multi(self, eval_context=None):
        """Grant the action's points to the customer (commercial entity) of each
        record, in the program of the record's company, or of the current company
        when the record has none. Programs that are off grant nothing."""
        eval_context = eval_context or {}
        records = eval_context.get("records") or eval_context.get("record")
        if not records or self._is_recompute():
            return False
        field = self._loyalty_points_partner_field(records._name)
        if not field:
            raise UserError(self._loyalty_points_no_partner_message(records._name))
        # Records of an onchange are not saved: nothing to grant yet.
        records = records.filtered("id")
        # sudo: an automation grants by the program's rules whoever triggers it
        # (a booking made on the website, a birthday cron).
        Program = self.env["loyalty.points.program"].sudo()
        # One grant per record: two bookings of a customer earn twice.
        grants = {}
        for record in records:
            partner = (record if field == "id" else record[field]).commercial_partner_id
            if not partner:
                continue
            company = (
                "company_id" in record._fields and record.company_id
            ) or self.env.company
            program = Program._program_for_company(company)
            if not program or program.state == "off":
                _logger.info(
                    "Server action %s: no loyalty program on for %s, no points.",
                    self.name,
                    company.name,
                )
                continue
            grants.setdefault((program, company), []).append(partner.id)
        Entry = self.env["loyalty.points.entry"]
        for (program, company), partner_ids in grants.items():
            Entry._lock_balances(program, self.env["res.partner"].browse(partner_ids))
            now = fields.Datetime.now()
            vals = {
                "program_id": program.id,
                "company_id": company.id,
                "kind": "grant",
                "points": self.loyalty_points_amount,
                "reason": self.loyalty_points_reason.strip(),
                "origin": self.name,
                "date": now,
            }
            expiry_date = None
            if self.loyalty_points_expiry_days:
                expiry_date = Entry._ledger_today() + timedelta(
                    days=self.loyalty_points_expiry_days
                )
            # Points given for an action are spendable at once: the pending period
            # guards against refunds of purchases, and no purchase is involved.
            vals.update(
                Entry._prepare_lot_vals(program, now, expiry_date),
                available_date=now,
            )
            Entry._write_entries(
                [dict(vals, partner_id=partner_id) for partner_id in partner_ids]
            )
        return False
