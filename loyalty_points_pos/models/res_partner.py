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
        Program = self.env["loyalty.points.program"]
        facts = Program._program_facts(config.company_id.id)
        partners = self.browse(record["id"] for record in records)
        rows = partners._loyalty_points_rows(Program.browse(facts and facts.id))
        for record in records:
            available = rows.get(record["id"], (False, 0.0, 0.0, 0.0))[3]
            record["loyalty_points_available"] = available
            record["loyalty_points_value"] = (
                max(available, 0.0) * facts.point_value if facts else 0.0
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
        # The program's figures from the registry's cache (cashiers have no
        # right on programs; they read only these): the till asks at each
        # customer it selects.
        Program = self.env["loyalty.points.program"]
        facts = Program._program_facts(config.company_id.id)
        if not facts:
            return {"program": False}
        # The customer's points from this worker's cache while their ledger is
        # unchanged (_loyalty_points_amounts_now): the sync checks again.
        _balance, pending, available = (
            self.commercial_partner_id._loyalty_points_amounts_now(
                Program.browse(facts.id)
            )
        )
        return {
            "program": facts.id,
            "state": facts.state,
            "available": available,
            "pending": pending,
            "value": max(available, 0.0) * facts.point_value,
            "point_value": facts.point_value,
            "min_redemption": facts.min_redemption,
            "pending_hours": facts.pending_hours,
        }
