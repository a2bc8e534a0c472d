# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.tools import SQL, float_is_zero, format_amount, format_date, formatLang

STATEMENT_TEMPLATE = "loyalty_points.mail_template_loyalty_points_statement"


# A file of its own so that what templates print (here) and the balances
# (res_partner.py) can be changed independently.
class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ formatting
    @api.model
    def _loyalty_points_format(self, points):
        """``points`` as the language of the environment writes numbers: whole
        points without decimals, others at the points precision."""
        precision = self.env["decimal.precision"].precision_get("Loyalty Points")
        whole = float_is_zero(points - round(points), precision_digits=precision)
        return formatLang(self.env, points, digits=0 if whole else precision)

    # ------------------------------------------------------------------ templates
    def _loyalty_points_summary(self):
        """One line for any mail template, e.g. "1,250 points (12.50 €) available":
        ``{{ object.partner_id._loyalty_points_summary() }}``. Empty when no
        program covers the current company."""
        self.ensure_one()
        values = self._loyalty_points_statement_values(lots=0)
        if not values:
            return ""
        return _(
            "%(points)s points (%(value)s) available",
            points=values["available_text"],
            value=values["value_text"],
        )

    def _loyalty_points_statement_values(self, lots=3):
        """What a points statement prints for the customer (its commercial entity)
        in the program of the current company: balance, pending, available and
        their worth, raw and formatted, and the next ``lots`` expiry dates with
        the points that expire then. Read from the ledger now, not from the
        cache. Empty when no program covers the current company."""
        self.ensure_one()
        program = self.env["loyalty.points.program"]._program_for_company()
        if not program:
            return {}
        partner = self.commercial_partner_id
        balance, pending = partner._loyalty_points_amounts(program).get(
            partner.id, (0.0, 0.0)
        )
        available = max(balance - pending, 0.0) if balance > 0 else balance
        value = max(available, 0.0) * program.point_value
        expiring = partner._loyalty_points_expiring(program, limit=lots) if lots else []
        return {
            "program": program,
            "balance": balance,
            "pending": pending,
            "available": available,
            "value": value,
            "balance_text": self._loyalty_points_format(balance),
            "pending_text": self._loyalty_points_format(pending),
            "available_text": self._loyalty_points_format(available),
            "value_text": format_amount(self.env, value, program.currency_id),
            "expiring": [
                {
                    "date": date,
                    "points": points,
                    "date_text": format_date(self.env, date),
                    "points_text": self._loyalty_points_format(points),
                }
                for date, points in expiring
            ],
        }

    def _loyalty_points_expiring(self, program, limit=3):
        """[(expiry date, points)] of the customer's next ``limit`` expiry dates,
        soonest first: what is left of the lots that expire on each day, from
        today on. One query."""
        self.ensure_one()
        self.env["loyalty.points.entry"].flush_model()
        self.env["loyalty.points.allocation"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT lots.expiry_date, SUM(lots.remaining)
                  FROM (SELECT e.expiry_date,
                               e.points - COALESCE(SUM(a.points), 0) AS remaining
                          FROM loyalty_points_entry e
                          LEFT JOIN loyalty_points_allocation a ON a.lot_id = e.id
                         WHERE e.partner_id = %(partner)s
                           AND e.program_id = %(program)s
                           AND e.points > 0
                           AND e.expiry_date >= %(today)s
                         GROUP BY e.id) lots
                 WHERE lots.remaining > 0
                 GROUP BY lots.expiry_date
                 ORDER BY lots.expiry_date
                 LIMIT %(limit)s
                """,
                partner=self.commercial_partner_id.id,
                program=program.id,
                today=fields.Date.context_today(self),
                limit=limit,
            )
        )
        return [(date, float(points)) for date, points in rows]

    # ------------------------------------------------------------------ actions
    def action_loyalty_points_send_statement(self):
        """The mail composer with the points statement: one customer in comment
        mode (the statement is kept in its chatter), several in mass mode (one
        e-mail each, rendered for each customer)."""
        template = self.env.ref(STATEMENT_TEMPLATE)
        return {
            "type": "ir.actions.act_window",
            "name": _("Send Points Statement"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment"
                if len(self) == 1
                else "mass_mail",
                "default_email_layout_xmlid": "mail.mail_notification_light",
            },
        }
