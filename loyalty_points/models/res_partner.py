# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import (
    SQL,
    float_compare,
    float_is_zero,
    format_amount,
    format_date,
    formatLang,
)

OPERATORS = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


STATEMENT_TEMPLATE = "loyalty_points.mail_template_loyalty_points_statement"


class ResPartner(models.Model):
    _inherit = "res.partner"

    loyalty_points_enrolled = fields.Boolean(
        string="Enrolled in Loyalty Program",
        help="When the program earns only for enrolled customers, tick this to let "
        "the customer earn points.",
        tracking=True,
    )
    loyalty_points_balance = fields.Float(
        string="Points Balance",
        digits="Loyalty Points",
        compute="_compute_loyalty_points",
        search="_search_loyalty_points_balance",
        compute_sudo=True,
        help="Every posted point of the customer in the current company's program.",
    )
    loyalty_points_pending = fields.Float(
        string="Pending Points",
        digits="Loyalty Points",
        compute="_compute_loyalty_points",
        search="_search_loyalty_points_pending",
        compute_sudo=True,
        help="Points earned but not yet available (pending period).",
    )
    loyalty_points_available = fields.Float(
        string="Available Points",
        digits="Loyalty Points",
        compute="_compute_loyalty_points",
        search="_search_loyalty_points_available",
        compute_sudo=True,
        help="Points the customer can spend now.",
    )
    loyalty_points_value = fields.Monetary(
        string="Points Worth",
        compute="_compute_loyalty_points",
        search="_search_loyalty_points_value",
        currency_field="loyalty_points_currency_id",
        compute_sudo=True,
        help="What the available points are worth, in the program's currency.",
    )
    loyalty_points_currency_id = fields.Many2one(
        "res.currency", compute="_compute_loyalty_points", compute_sudo=True
    )

    # ------------------------------------------------------------------ balances
    @api.model
    def _loyalty_points_pending_sql(self, partner, program):
        """SQL of the pending points (what is left of lots not yet available) of the
        customer and program that the SQL expressions ``partner`` and ``program``
        name."""
        return SQL(
            """COALESCE((SELECT SUM(e.points - COALESCE((SELECT SUM(a.points)
                              FROM loyalty_points_allocation a
                             WHERE a.lot_id = e.id), 0))
                           FROM loyalty_points_entry e
                          WHERE e.program_id = %s AND e.partner_id = %s
                            AND e.available_date > %s AND e.points > 0), 0)""",
            program,
            partner,
            fields.Datetime.now(),
        )

    def _loyalty_points_amounts(self, program):
        """{commercial partner id: (balance, pending)} for ``self`` in ``program``,
        in one query: the balances are kept by the database, the pending points
        come from the lots not yet available."""
        partner_ids = sorted(set(self.commercial_partner_id.ids))
        if not partner_ids or not program:
            return {}
        self.env["loyalty.points.entry"].flush_model()
        self.env["loyalty.points.allocation"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id, COALESCE(b.points, 0), %s
                  FROM unnest(%s::int[]) p(id)
                  LEFT JOIN loyalty_points_balance b
                         ON b.partner_id = p.id AND b.program_id = %s
                """,
                self._loyalty_points_pending_sql(SQL("p.id"), program.id),
                partner_ids,
                program.id,
            )
        )
        return {
            partner_id: (float(balance), float(pending))
            for partner_id, balance, pending in rows
        }

    @api.depends_context("company")
    def _compute_loyalty_points(self):
        program = self.env["loyalty.points.program"]._program_for_company()
        amounts = self._loyalty_points_amounts(program)
        for partner in self:
            balance, pending = amounts.get(partner.commercial_partner_id.id, (0.0, 0.0))
            available = max(balance - pending, 0.0) if balance > 0 else balance
            partner.loyalty_points_balance = balance
            partner.loyalty_points_pending = pending
            partner.loyalty_points_available = available
            partner.loyalty_points_value = max(available, 0.0) * program.point_value
            partner.loyalty_points_currency_id = program.currency_id

    # ------------------------------------------------------------------ searches
    def _search_loyalty_points_balance(self, operator, value):
        return self._search_loyalty_points(operator, value, "balance")

    def _search_loyalty_points_pending(self, operator, value):
        return self._search_loyalty_points(operator, value, "pending")

    def _search_loyalty_points_available(self, operator, value):
        return self._search_loyalty_points(operator, value, "available")

    def _search_loyalty_points_value(self, operator, value):
        return self._search_loyalty_points(operator, value, "value")

    def _search_loyalty_points(self, operator, value, amount):
        """Partners whose ``amount`` (balance, pending, available or value) compares
        to ``value``, in one query on the balances kept by the database. Partners
        without any entry count as 0."""
        if operator not in OPERATORS:
            raise UserError(
                _("Loyalty points can be searched with =, !=, <, <=, > or >=.")
            )
        value = float(value or 0.0)
        zero_matches = OPERATORS[operator](0.0, value)
        program = self.env["loyalty.points.program"]._program_for_company()
        if not program:
            return [] if zero_matches else [(0, "=", 1)]
        self.env["loyalty.points.entry"].flush_model()
        self.env["loyalty.points.allocation"].flush_model()
        pending = self._loyalty_points_pending_sql(
            SQL("b.partner_id"), SQL("b.program_id")
        )
        available = SQL(
            "CASE WHEN b.points > 0 THEN GREATEST(b.points - %s, 0) ELSE b.points END",
            pending,
        )
        expression = {
            "balance": SQL("b.points"),
            "pending": pending,
            "available": available,
            "value": SQL("%s * GREATEST(%s, 0)", program.point_value, available),
        }[amount]
        # Partners whose amount compares, or, when 0 compares, those whose does not.
        rows = self.env.execute_query(
            SQL(
                "SELECT b.partner_id FROM loyalty_points_balance b "
                "WHERE b.program_id = %s AND %s(%s %s %s)",
                program.id,
                SQL("NOT ") if zero_matches else SQL(""),
                expression,
                SQL(operator if operator != "!=" else "<>"),
                value,
            )
        )
        ids = [row[0] for row in rows]
        return [("commercial_partner_id", "not in" if zero_matches else "in", ids)]

    # ------------------------------------------------------------------ actions
    def action_view_loyalty_points(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_points.loyalty_points_entry_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def _loyalty_points_spendable(self, program, now=None):
        """Points the customer can spend now, exactly: what is left of the lots that
        are available and not past their expiry date, less any debt that no lot
        covers (a refund after the points were spent)."""
        now = now or fields.Datetime.now()
        partner = self.commercial_partner_id
        self.env["loyalty.points.entry"].flush_model()
        self.env["loyalty.points.allocation"].flush_model()
        spendable, remaining, balance = self.env.execute_query(
            SQL(
                """
                SELECT COALESCE(SUM(remaining) FILTER (WHERE spendable), 0),
                       COALESCE(SUM(remaining), 0),
                       (SELECT b.points FROM loyalty_points_balance b
                         WHERE b.partner_id = %(partner)s
                           AND b.program_id = %(program)s)
                  FROM (SELECT e.points - COALESCE(SUM(a.points), 0) AS remaining,
                               e.available_date <= %(now)s
                               AND (e.expiry_date IS NULL OR e.expiry_date >= %(today)s)
                               AS spendable
                          FROM loyalty_points_entry e
                          LEFT JOIN loyalty_points_allocation a ON a.lot_id = e.id
                         WHERE e.partner_id = %(partner)s AND e.program_id = %(program)s
                           AND e.points > 0
                         GROUP BY e.id) lots
                """,
                now=now,
                today=fields.Date.to_date(now),
                partner=partner.id,
                program=program.id,
            )
        )[0]
        debt = max(float(remaining) - float(balance or 0.0), 0.0)
        return float(spendable) - debt

    def _loyalty_points_has_balance(self, program, points):
        """True when the customer's spendable points cover ``points``."""
        precision = self.env["decimal.precision"].precision_get("Loyalty Points")
        spendable = self._loyalty_points_spendable(program)
        return float_compare(spendable, points, precision_digits=precision) >= 0

    def action_loyalty_points_adjust(self):
        """The grant-or-deduct wizard for this customer (its commercial entity)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_points.loyalty_points_adjust_wizard_action"
        )
        action["context"] = {
            "default_partner_id": self.commercial_partner_id.id,
        }
        return action

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

    loyalty_points_referred_by_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        ondelete="restrict",
        tracking=True,
        help="The customer who brought this one. When this customer's first ticket "
        "earns points, the referrer earns the program's referral points, once. It "
        "cannot be changed once saved.",
    )

    loyalty_points_referral_locked = fields.Boolean(
        compute="_compute_loyalty_points_referral_locked",
        help="The referrer is saved and can no longer change.",
    )

    # No dependency on purpose: the form keeps the value that was saved, so the
    # field stays editable until the record is saved with a referrer.
    def _compute_loyalty_points_referral_locked(self):
        for partner in self:
            partner.loyalty_points_referral_locked = bool(
                partner._origin.loyalty_points_referred_by_id
            )

    @api.constrains("loyalty_points_referred_by_id")
    def _check_loyalty_points_referred_by(self):
        for partner in self:
            referrer = partner.loyalty_points_referred_by_id
            if (
                referrer
                and referrer.commercial_partner_id == partner.commercial_partner_id
            ):
                raise ValidationError(
                    _(
                        "%(partner)s cannot be referred by %(referrer)s: a customer "
                        "cannot refer itself, nor be referred by one of its own "
                        "contacts. Choose the customer who brought them.",
                        partner=partner.display_name,
                        referrer=referrer.display_name,
                    )
                )

    def write(self, vals):
        if "loyalty_points_referred_by_id" in vals:
            self._loyalty_points_check_referrer_change(
                vals["loyalty_points_referred_by_id"]
            )
        return super().write(vals)

    def _loyalty_points_check_referrer_change(self, referrer_id):
        """A referrer is set once: refuse to change or clear it."""
        for partner in self:
            current = partner.loyalty_points_referred_by_id
            if current and current.id != referrer_id:
                raise UserError(
                    _(
                        "%(partner)s was referred by %(referrer)s, which cannot be "
                        "changed once saved.",
                        partner=partner.display_name,
                        referrer=current.display_name,
                    )
                )
