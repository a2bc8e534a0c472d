# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


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
