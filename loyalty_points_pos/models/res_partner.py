# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, models
from odoo.exceptions import UserError

# What the till shows of each partner, computed without the ledger.
POS_FIELDS = ("loyalty_points_available", "loyalty_points_value")


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _load_pos_data_fields(self, config_id):
        fields = super()._load_pos_data_fields(config_id)
        if self.env.context.get("loyalty_points_pos_bulk"):
            return fields  # filled by _load_pos_data, see there
        return [*fields, *POS_FIELDS]

    def _load_pos_data(self, data):
        """The session's partners with their available points and worth, read in
        one query over the balances (the one rule of what can be spent) rather
        than through the fields' compute: a session start loads many partners,
        and the ledger is never loaded."""
        result = super(
            ResPartner, self.with_context(loyalty_points_pos_bulk=True)
        )._load_pos_data(data)
        records = result["data"]
        result["fields"] = [*result["fields"], *POS_FIELDS]
        config = self.env["pos.config"].browse(data["pos.config"]["data"][0]["id"])
        # sudo: cashiers have no right on programs; they read only these figures.
        program = (
            self.env["loyalty.points.program"]
            .sudo()
            ._program_for_company(config.company_id)
        )
        partners = self.browse(record["id"] for record in records)
        rows = partners._loyalty_points_rows(program)
        for record in records:
            available = rows.get(record["id"], (False, 0.0, 0.0, 0.0))[3]
            record["loyalty_points_available"] = available
            record["loyalty_points_value"] = (
                max(available, 0.0) * program.point_value if program else 0.0
            )
        return result

    def loyalty_points_pos_balance(self, config_id):
        """What the till shows for the selected customer, read now: the program's
        status and rules, and the customer's available points and their worth."""
        if len(self) != 1:
            raise UserError(_("Choose one customer to read the points of."))
        if not isinstance(config_id, int) or isinstance(config_id, bool):
            raise UserError(
                _(
                    "%(value)s is not a Point of Sale: pass the id of the till's "
                    "configuration.",
                    value=repr(config_id),
                )
            )
        config = self.env["pos.config"].browse(config_id)
        # sudo: cashiers have no right on programs; they read only these figures.
        program = (
            self.env["loyalty.points.program"]
            .sudo()
            ._program_for_company(config.company_id)
        )
        if not program:
            return {"program": False}
        partner = self.commercial_partner_id.with_company(config.company_id)
        _balance, pending, available = partner._loyalty_points_amounts(program).get(
            partner.id, (0.0, 0.0, 0.0)
        )
        return {
            "program": program.id,
            "state": program.state,
            "available": available,
            "pending": pending,
            "value": max(available, 0.0) * program.point_value,
            "point_value": program.point_value,
            "min_redemption": program.min_redemption,
            "pending_hours": program.pending_hours,
        }
