# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _loyalty_points_portal_program(self, company=None):
        """The program whose points the customer (its commercial entity) sees on
        the portal: the one covering ``company`` (the current company by
        default), when it is on and, for a program of enrolled customers only,
        when the customer is enrolled. An empty recordset otherwise: nothing of
        the program shows."""
        self.ensure_one()
        # sudo: customers may not read programs (staff data); only whether one
        # is open to them and what it prints (name, point value, description)
        # are shown, never its other settings.
        program = (
            self.env["loyalty.points.program"].sudo()._program_for_company(company)
        )
        if not program or program.state != "on":
            return program.browse()
        # sudo: whether the customer is enrolled decides what they see, whoever
        # renders the page (a visitor with the invoice's access token included).
        partner = self.commercial_partner_id.sudo()
        if program.enrolled_only and not partner.loyalty_points_enrolled:
            return program.browse()
        return program

    def _loyalty_points_pending_lots(self, program):
        """[(available datetime, points)] of the customer's points not yet
        available in ``program``, soonest first: what is left of each lot still
        in its pending period, summed per moment. One query."""
        self.ensure_one()
        self.env["loyalty.points.entry"].flush_model()
        self.env["loyalty.points.allocation"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT lots.available_date, SUM(lots.remaining)
                  FROM (SELECT e.available_date,
                               e.points - COALESCE(SUM(a.points), 0) AS remaining
                          FROM loyalty_points_entry e
                          LEFT JOIN loyalty_points_allocation a ON a.lot_id = e.id
                         WHERE e.partner_id = %(partner)s
                           AND e.program_id = %(program)s
                           AND e.points > 0
                           AND e.available_date > %(now)s
                         GROUP BY e.id) lots
                 WHERE lots.remaining > 0
                 GROUP BY lots.available_date
                 ORDER BY lots.available_date
                """,
                partner=self.commercial_partner_id.id,
                program=program.id,
                now=fields.Datetime.now(),
            )
        )
        return [(date, float(points)) for date, points in rows]
