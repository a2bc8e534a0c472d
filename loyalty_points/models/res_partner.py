# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare

OPERATORS = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


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
    def _loyalty_points_amounts(self, program):
        """{commercial partner id: (balance, pending)} for ``self`` in ``program``:
        one query for the balances (kept by the database) and one for pending lots."""
        partner_ids = tuple(set(self.commercial_partner_id.ids))
        if not partner_ids or not program:
            return {}
        self.env["loyalty.points.entry"].flush_model()
        self.env["loyalty.points.allocation"].flush_model()
        balances = dict(
            self.env.execute_query(
                SQL(
                    """SELECT partner_id, points FROM loyalty_points_balance
                        WHERE program_id = %s AND partner_id IN %s""",
                    program.id,
                    partner_ids,
                )
            )
        )
        pending = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT e.partner_id,
                           SUM(e.points - COALESCE((SELECT SUM(a.points)
                                 FROM loyalty_points_allocation a
                                WHERE a.lot_id = e.id), 0))
                      FROM loyalty_points_entry e
                     WHERE e.program_id = %s AND e.partner_id IN %s
                       AND e.available_date > %s AND e.points > 0
                     GROUP BY e.partner_id
                    """,
                    program.id,
                    partner_ids,
                    fields.Datetime.now(),
                )
            )
        )
        return {
            pid: (float(balances.get(pid) or 0.0), float(pending.get(pid) or 0.0))
            for pid in partner_ids
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
        pending = SQL(
            """COALESCE((SELECT SUM(e.points - COALESCE((SELECT SUM(a.points)
                              FROM loyalty_points_allocation a
                             WHERE a.lot_id = e.id), 0))
                           FROM loyalty_points_entry e
                          WHERE e.program_id = b.program_id
                            AND e.partner_id = b.partner_id
                            AND e.available_date > %s AND e.points > 0), 0)""",
            fields.Datetime.now(),
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
        spendable, remaining = self.env.execute_query(
            SQL(
                """
                SELECT COALESCE(SUM(remaining) FILTER (WHERE spendable), 0),
                       COALESCE(SUM(remaining), 0)
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
        balance = partner._loyalty_points_amounts(program).get(partner.id, (0.0, 0.0))[
            0
        ]
        debt = max(float(remaining) - balance, 0.0)
        return float(spendable) - debt

    def _loyalty_points_has_balance(self, program, points):
        """True when the customer's spendable points cover ``points``."""
        precision = self.env["decimal.precision"].precision_get("Loyalty Points")
        spendable = self._loyalty_points_spendable(program)
        return float_compare(spendable, points, precision_digits=precision) >= 0
