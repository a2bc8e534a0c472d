# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL


def _rate_sql(currency):
    """Today's rate of ``currency`` (an SQL column) for the company ``c``."""
    return SQL(
        """
        COALESCE((
            SELECT r.rate FROM res_currency_rate r
             WHERE r.currency_id = %s
               AND (r.company_id IS NULL OR r.company_id = c.id)
               AND r.name <= CURRENT_DATE
             ORDER BY r.company_id, r.name DESC
             LIMIT 1
        ), 1.0)
        """,
        currency,
    )


class LoyaltyPointsLiabilityReport(models.Model):
    """Per centre: the points outstanding and their value next to the balance of
    the points liability account and what is not booked yet. Once everything is
    booked, the liability equals the value of the outstanding points: the
    difference column shows what does not add up (a booking cancelled or edited
    by hand, rounding)."""

    _name = "loyalty.points.liability.report"
    _description = "Loyalty Points Liability per Centre"
    _auto = False
    _rec_name = "company_id"
    _order = "company_id"
    _depends = {
        "loyalty.points.entry": [
            "company_id",
            "program_id",
            "points",
            "kind",
            "payment_id",
            "reversed_entry_id",
        ],
        "loyalty.points.program": [
            "point_value",
            "currency_id",
            "company_ids",
            "active",
            "sequence",
        ],
        "account.move": ["loyalty_points_booked_entry_ids"],
        "account.move.line": ["balance", "account_id", "company_id", "parent_state"],
        "res.company": ["loyalty_points_liability_account_id", "currency_id"],
    }

    company_id = fields.Many2one("res.company", string="Centre", readonly=True)
    program_id = fields.Many2one(
        "loyalty.points.program",
        readonly=True,
        help="The active program of the centre.",
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    outstanding_points = fields.Float(digits="Loyalty Points", readonly=True)
    outstanding_value = fields.Monetary(
        readonly=True, help="The outstanding points at today's point value."
    )
    liability_balance = fields.Monetary(
        string="Liability Booked",
        readonly=True,
        help="The balance of the centre's points liability account (posted entries).",
    )
    unbooked_points = fields.Float(
        string="Points Not Booked",
        digits="Loyalty Points",
        readonly=True,
        help="Earned, reversed, adjusted and expired points the nightly booking "
        "has not booked yet.",
    )
    unbooked_value = fields.Monetary(string="Value Not Booked", readonly=True)
    difference = fields.Monetary(
        readonly=True,
        help="Outstanding value minus the liability booked and the value not "
        "booked yet: 0 when the books agree with the ledger.",
    )

    def _unbooked_sql(self):
        """The ledger entries that the report counts as not booked yet (a query
        with an ``id`` column): by default what the nightly booking has still to
        book (``loyalty.points.program._books_unbooked_sql``)."""
        return self.env["loyalty.points.program"]._books_unbooked_sql()

    @property
    def _table_query(self):
        rate = _rate_sql(SQL.identifier("c", "currency_id"))
        program_rate = _rate_sql(SQL.identifier("p", "currency_id"))
        return SQL(
            """
            WITH per_program AS (
                SELECT e.company_id, e.program_id,
                       SUM(e.points) AS points,
                       SUM(CASE WHEN u.id IS NULL THEN 0 ELSE e.points END)
                           AS unbooked
                  FROM loyalty_points_entry e
                  LEFT JOIN (%(unbooked)s) u ON u.id = e.id
                 GROUP BY e.company_id, e.program_id
            ),
            valued AS (
                SELECT pp.company_id,
                       SUM(pp.points) AS points,
                       SUM(pp.unbooked) AS unbooked,
                       SUM(pp.points * p.point_value * fx.factor) AS value,
                       SUM(pp.unbooked * p.point_value * fx.factor) AS unbooked_value
                  FROM per_program pp
                  JOIN loyalty_points_program p ON p.id = pp.program_id
                  JOIN res_company c ON c.id = pp.company_id
                  CROSS JOIN LATERAL (
                        SELECT CASE WHEN p.currency_id = c.currency_id THEN 1.0
                                    ELSE %(rate)s / %(program_rate)s END AS factor
                       ) fx
                 GROUP BY pp.company_id
            ),
            liability AS (
                SELECT l.company_id, -SUM(l.balance) AS balance
                  FROM account_move_line l
                  JOIN res_company c
                    ON c.id = l.company_id
                   AND c.loyalty_points_liability_account_id = l.account_id
                 WHERE l.parent_state = 'posted'
                 GROUP BY l.company_id
            ),
            centres AS (
                SELECT res_company_id AS company_id
                  FROM loyalty_points_program_res_company_rel
                 UNION
                SELECT company_id FROM valued
            )
            SELECT c.id AS id,
                   c.id AS company_id,
                   c.currency_id,
                   (SELECT rel.loyalty_points_program_id
                      FROM loyalty_points_program_res_company_rel rel
                      JOIN loyalty_points_program p
                        ON p.id = rel.loyalty_points_program_id AND p.active
                     WHERE rel.res_company_id = c.id
                     ORDER BY p.sequence, p.id
                     LIMIT 1) AS program_id,
                   COALESCE(v.points, 0) AS outstanding_points,
                   ROUND(COALESCE(v.value, 0)::numeric, cur.decimal_places)
                       AS outstanding_value,
                   ROUND(COALESCE(l.balance, 0)::numeric, cur.decimal_places)
                       AS liability_balance,
                   COALESCE(v.unbooked, 0) AS unbooked_points,
                   ROUND(COALESCE(v.unbooked_value, 0)::numeric, cur.decimal_places)
                       AS unbooked_value,
                   ROUND(
                       (COALESCE(v.value, 0) - COALESCE(l.balance, 0)
                       - COALESCE(v.unbooked_value, 0))::numeric,
                       cur.decimal_places
                   ) AS difference
              FROM centres
              JOIN res_company c ON c.id = centres.company_id
              JOIN res_currency cur ON cur.id = c.currency_id
              LEFT JOIN valued v ON v.company_id = c.id
              LEFT JOIN liability l ON l.company_id = c.id
            """,
            unbooked=self._unbooked_sql(),
            rate=rate,
            program_rate=program_rate,
        )
