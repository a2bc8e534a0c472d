# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models, tools

from odoo.addons.loyalty_points.tools import format_money, format_points

from ..tools import html_sentence


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    @tools.ormcache("lang", "available", "value", "currency_id")
    def _loyalty_points_card_text(self, lang, available, value, currency_id):
        """The sentence of the /my card in ``lang``: ``available`` points worth
        ``value`` in the currency of id ``currency_id``. Kept in the registry's
        cache, which Odoo clears when a language or a currency changes: the
        card shows on every request, and the same few sentences come back."""
        env = self.with_context(lang=lang).env
        return html_sentence(
            env._("%(card_available)s points available, worth %(card_value)s"),
            card_available=format_points(env, available),
            card_value=format_money(env, value, currency_id),
        )

    def _loyalty_points_portal_facts(self, company=None):
        """The ``ProgramFacts`` of the program whose points the customer (its
        commercial entity) sees on the portal: the one covering ``company``
        (the current company by default), when it is on and, for a program of
        enrolled customers only, when the customer is enrolled. None otherwise:
        nothing of the program shows. Read from the registry's cache, not from
        the program: the card of ``/my`` asks on every request."""
        self.ensure_one()
        Program = self.env["loyalty.points.program"]
        facts = Program._program_facts((company or self.env.company).id)
        if not facts or facts.state != "on":
            return None
        # sudo: whether the customer is enrolled decides what they see, whoever
        # renders the page (a visitor with the invoice's access token included).
        partner = self.commercial_partner_id.sudo()
        if facts.enrolled_only and not partner.loyalty_points_enrolled:
            return None
        return facts

    def _loyalty_points_portal_program(self, company=None):
        """The program of ``_loyalty_points_portal_facts`` (an empty recordset:
        none shows)."""
        facts = self._loyalty_points_portal_facts(company)
        # sudo: customers may not read programs (staff data); only whether one
        # is open to them and what it prints (name, point value, description)
        # are shown, never its other settings.
        return self.env["loyalty.points.program"].sudo().browse(facts and facts.id)
