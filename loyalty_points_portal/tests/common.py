# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from lxml import html

from odoo import Command, fields, http
from odoo.tests import HttpCase

from odoo.addons.loyalty_points.tests.common import LoyaltyPointsCommon


class PortalCommon(LoyaltyPointsCommon, HttpCase):
    """The base's company, program (2 points per 1.00, a point worth 0.01) and
    customer A (a company) with a second centre in the program, a portal user
    who is a contact of A, and customer B with its own portal user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.centre_2 = cls.setup_other_company(name="Centre Two")["company"]
        cls.program.company_ids = [Command.link(cls.centre_2.id)]
        cls.program.min_redemption = 1.0
        cls.customer_b = cls.env["res.partner"].create(
            {"name": "Customer B", "is_company": True}
        )
        cls.portal_a = cls._portal_user("lp_portal_a", cls.contact)
        cls.portal_b = cls._portal_user(
            "lp_portal_b",
            cls.env["res.partner"].create(
                {"name": "Contact of B", "parent_id": cls.customer_b.id}
            ),
        )

    @classmethod
    def _portal_user(cls, login, partner):
        return (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "login": login,
                    "password": login,
                    "partner_id": partner.id,
                    "groups_id": [Command.set([cls.env.ref("base.group_portal").id])],
                    "company_id": cls.env.company.id,
                    "company_ids": [Command.set(cls.env.company.ids)],
                }
            )
        )

    @classmethod
    def _give(cls, partner, points, company=None, hours=0, days=365, **vals):
        """A positive ``adjust`` lot of ``points`` for ``partner``, available in
        ``hours`` and expiring in ``days``."""
        Entry = cls.env["loyalty.points.entry"]
        Entry._lock_balances(cls.program, partner)
        now = fields.Datetime.now()
        return Entry._write_entries(
            [
                {
                    "partner_id": partner.id,
                    "program_id": cls.program.id,
                    "company_id": (company or cls.env.company).id,
                    "kind": "adjust",
                    "points": points,
                    "reason": vals.pop("reason", "Welcome gift"),
                    "available_date": now + timedelta(hours=hours),
                    "expiry_date": fields.Date.today() + timedelta(days=days),
                    **vals,
                }
            ]
        )

    def _page(self, url):
        response = self.url_open(url)
        response.raise_for_status()
        return html.fromstring(response.content)

    @staticmethod
    def _find(tree, css_class):
        """The elements of ``tree`` that have the class ``css_class``."""
        return tree.xpath(
            f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]"
        )

    def _texts(self, tree, css_class):
        """The texts of the elements with ``css_class``, whitespace collapsed."""
        return [" ".join(e.text_content().split()) for e in self._find(tree, css_class)]

    def _csrf(self):
        return http.Request.csrf_token(self)
