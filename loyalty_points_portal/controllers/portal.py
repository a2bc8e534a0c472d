# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from werkzeug.urls import url_encode

from odoo import _, fields, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.tools import float_compare, format_amount, format_datetime

from odoo.addons.account.controllers.portal import PortalAccount
from odoo.addons.loyalty_points.tools import format_points
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..tools import html_sentence

PAYABLE_STATES = ("not_paid", "partial")


class LoyaltyPointsPortal(PortalAccount):
    _loyalty_points_per_page = 20

    # ------------------------------------------------------------------ /my
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        # Only when /my renders (no counters asked): the card has no counter,
        # so /my/counters never computes a balance for the other cards.
        if not counters:
            values.update(self._loyalty_points_card_values())
        return values

    def _loyalty_points_card_values(self):
        """The /my card: the available points and their worth, and only them,
        while the program is open to the customer: one small query when the
        customer's points have not changed since this worker last read them
        (``_loyalty_points_amounts_now``; the program's facts and the currency
        are in the registry's cache)."""
        env = request.env
        partner = env.user.partner_id.commercial_partner_id
        facts = partner._loyalty_points_portal_facts()
        if not facts:
            return {}
        program = env["loyalty.points.program"].browse(facts.id)
        available = partner._loyalty_points_amounts_now(program)[2]
        value = max(available, 0.0) * facts.point_value
        return {
            "loyalty_points_card": {
                "available": available,
                "text": partner._loyalty_points_card_text(
                    env.lang or "en_US", available, value, facts.currency_id
                ),
            }
        }

    # ------------------------------------------------------------------ /my/points
    @http.route(
        ["/my/points", "/my/points/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_loyalty_points(self, page=1, **kw):
        env = request.env
        partner = env.user.partner_id.commercial_partner_id
        program = partner._loyalty_points_portal_program()
        if not program:
            raise request.not_found()
        # The customer's own rights: the portal rule shows the entries of their
        # commercial partner, in every centre of the program.
        Entry = env["loyalty.points.entry"]
        domain = [("partner_id", "=", partner.id), ("program_id", "=", program.id)]
        step = self._loyalty_points_per_page
        pager = portal_pager(
            url="/my/points", total=Entry.search_count(domain), page=page, step=step
        )
        entries = Entry.search(domain, limit=step, offset=pager["offset"])
        statement = partner._loyalty_points_statement_values(lots=3)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "loyalty_points",
                "pager": pager,
                "program": program,
                "statement": statement,
                "worth_text": html_sentence(
                    _("worth %(value)s"), value=statement["value_text"]
                ),
                "pending_lots": [
                    html_sentence(
                        _("%(lot_points)s available from %(lot_date)s"),
                        lot_points=format_points(env, points),
                        lot_date=format_datetime(
                            env, date, tz=env.user.tz, dt_format="short"
                        ),
                    )
                    for date, points in partner._loyalty_points_pending_lots(program)
                ],
                "expiring_lots": [
                    html_sentence(
                        _("%(lot_points)s points on %(lot_date)s"),
                        lot_points=lot["points_text"],
                        lot_date=lot["date_text"],
                    )
                    for lot in statement["expiring"]
                ],
                "history": self._loyalty_points_history(entries),
                "rewards": self._loyalty_points_rewards(program, statement),
            }
        )
        return request.render("loyalty_points_portal.portal_my_loyalty_points", values)

    def _loyalty_points_history(self, entries):
        """One row per entry of the page: date, centre, what it was in words,
        its document (a link when the customer may open it), points, expiry."""
        env = request.env
        kinds = dict(entries._fields["kind"]._description_selection(env))
        # sudo: the names of the program's centres, which customers see on
        # their tickets anyway; a portal user may read only their own company.
        centres = {c.id: c.name for c in entries.company_id.sudo()}
        # The invoices the customer may open (the portal's own rules).
        readable = env["account.move"].search([("id", "in", entries.move_id.ids)])
        links = {move.id: (move.name, move.access_url) for move in readable}
        rows = []
        for entry in entries:
            name, url = links.get(entry.move_id.id, (entry.origin or "", False))
            points = format_points(env, entry.points)
            rows.append(
                {
                    "entry": entry,
                    "centre": centres.get(entry.company_id.id, ""),
                    "kind": kinds.get(entry.kind, entry.kind),
                    "reason": entry.reason or "",
                    "document": name,
                    "url": url,
                    "points": entry.points,
                    "points_text": ("+" + points) if entry.points > 0 else points,
                    "expiry": entry.expiry_date if entry.points > 0 else False,
                }
            )
        return rows

    def _loyalty_points_rewards(self, program, statement):
        """The active rewards of the catalogue, cheapest first, those the
        customer can afford now marked."""
        # sudo: the catalogue is what the program offers its customers; they
        # have no access to the staff's reward records.
        rewards = (
            request.env["loyalty.points.reward"]
            .sudo()
            .search([("program_id", "=", program.id)], order="points_cost, id")
        )
        precision = request.env["decimal.precision"].precision_get("Loyalty Points")
        available = statement.get("available", 0.0)
        return [
            {
                "reward": reward,
                "cost_text": html_sentence(
                    _("%(reward_cost)s points"),
                    reward_cost=format_points(request.env, reward.points_cost),
                ),
                "affordable": float_compare(
                    available, reward.points_cost, precision_digits=precision
                )
                >= 0,
            }
            for reward in rewards
        ]

    # ------------------------------------------------------------------ invoices
    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        values.update(self._loyalty_points_invoice_values(invoice, kwargs))
        return values

    def _loyalty_points_invoice_values(self, invoice, kwargs):
        """The "Pay with points" offer for the invoice's page, and the outcome
        of a payment just tried, printed from its code only (never from the
        URL's text)."""
        values = {}
        messages = self._loyalty_points_messages()
        code = kwargs.get("loyalty_points")
        if code in messages:
            values["loyalty_points_message"] = {
                "type": "success" if code == "paid" else "warning",
                "text": messages[code],
                "code": code,
            }
        user = request.env.user
        if user._is_public():
            program = invoice.commercial_partner_id._loyalty_points_portal_program(
                invoice.company_id
            )
            if program and invoice.payment_state in PAYABLE_STATES:
                values["loyalty_points_login_url"] = "/web/login?" + url_encode(
                    {"redirect": invoice.access_url}
                )
            return values
        refusal, points, available = self._loyalty_points_offer(invoice)
        if refusal:
            return values
        env = request.env
        points_text = format_points(env, points)
        values["loyalty_points_offer"] = {
            "points": points,
            "offer_text": html_sentence(
                _("%(offer_points)s of your %(offer_available)s points"),
                offer_points=points_text,
                offer_available=format_points(env, available),
            ),
            "confirm_text": html_sentence(
                _("Pay the %(amount)s due with %(points)s points?"),
                amount=format_amount(env, invoice.amount_residual, invoice.currency_id),
                points=points_text,
            ),
            "left_text": html_sentence(
                _("You will have %(left)s points left."),
                left=format_points(env, available - points),
            ),
            "url": f"/my/invoices/{invoice.id}/pay_with_points",
        }
        return values

    def _loyalty_points_messages(self):
        """What the customer reads for each outcome of a points payment."""
        return {
            "paid": _("Paid with your points. Thank you!"),
            "not_yours": _(
                "This invoice is not yours to pay with points: only the customer "
                "it is addressed to can pay it with their points."
            ),
            "not_payable": _("This invoice cannot be paid with points."),
            "already_paid": _("This invoice is already paid: nothing was charged."),
            "closed": _("Paying with points is not available at the moment."),
            "minimum": _(
                "The amount due is below the minimum that can be paid with points."
            ),
            "pending": _(
                "Some of your points are not available yet: they cannot pay this "
                "invoice before they are. Nothing was charged."
            ),
            "short": _(
                "You do not have enough points to pay the whole amount due. "
                "Nothing was charged."
            ),
            "refused": _(
                "The payment with points could not be made. Nothing was charged; "
                "please try again or contact us."
            ),
        }

    def _loyalty_points_invoice_program(self, invoice):
        return invoice.commercial_partner_id._loyalty_points_portal_program(
            invoice.company_id
        )

    def _loyalty_points_invoice_amount(self, invoice, program):
        """The invoice's amount due in the program's currency."""
        company = invoice.company_id
        amount = invoice.amount_residual
        if invoice.currency_id != company.currency_id:
            amount = abs(invoice.amount_residual_signed)
        return company.currency_id._convert(
            amount, program.currency_id, company, fields.Date.context_today(invoice)
        )

    def _loyalty_points_refusal(self, invoice):
        """Why the logged-in customer cannot pay ``invoice`` (sudo) with points
        now, as a code of ``_loyalty_points_messages``; False when they can.
        Read only: the payment checks again under the balance lock."""
        return self._loyalty_points_offer(invoice)[0]

    def _loyalty_points_offer(self, invoice):
        """(refusal, points, available): ``_loyalty_points_refusal``'s code, and
        when it is False the points that paying ``invoice`` takes and the
        customer's available points, read once for the invoice's page."""
        user_partner = request.env.user.partner_id.commercial_partner_id
        if invoice.commercial_partner_id != user_partner:
            return "not_yours", 0.0, 0.0
        if invoice.move_type != "out_invoice" or invoice.state != "posted":
            return "not_payable", 0.0, 0.0
        if invoice.payment_state not in PAYABLE_STATES or (
            invoice.currency_id.is_zero(invoice.amount_residual)
        ):
            return "already_paid", 0.0, 0.0
        program = self._loyalty_points_invoice_program(invoice)
        if (
            not program
            or not program.min_redemption
            or not invoice.company_id.loyalty_points_journal_id
        ):
            return "closed", 0.0, 0.0
        amount = self._loyalty_points_invoice_amount(invoice, program)
        if (
            float_compare(
                amount,
                program.min_redemption,
                precision_rounding=program.currency_id.rounding,
            )
            < 0
        ):
            return "minimum", 0.0, 0.0
        points = program._points_for_amount(amount)
        partner = invoice.commercial_partner_id
        _balance, pending, available = partner._loyalty_points_amounts_now(program)
        precision = request.env["decimal.precision"].precision_get("Loyalty Points")
        if float_compare(available, points, precision_digits=precision) < 0:
            if (
                float_compare(available + pending, points, precision_digits=precision)
                >= 0
            ):
                return "pending", points, available
            return "short", points, available
        return False, points, available

    @http.route(
        ["/my/invoices/<int:invoice_id>/pay_with_points"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_invoice_pay_with_points(self, invoice_id, **post):
        """Pay the whole amount due of the customer's own invoice with their
        points (the form posts its CSRF token). A visitor with only the
        invoice's access token is sent to log in (``auth="user"``): a token
        never spends a customer's points."""
        invoice = request.env["account.move"].browse(invoice_id)
        try:
            # The portal's record rules, as the logged-in user: no access token.
            invoice.check_access("read")
        except (AccessError, MissingError):
            raise request.not_found() from None
        # sudo: the customer may read this invoice (checked above) but has no
        # rights on payments; the accounting wizard pays it, and the
        # redemption service checks the points rules under the balance lock.
        invoice = invoice.sudo()
        code = self._loyalty_points_refusal(invoice)
        if not code:
            try:
                with request.env.cr.savepoint():
                    self._loyalty_points_pay(invoice)
                code = "paid"
            except UserError:
                # Nothing was written (the savepoint is rolled back); say why
                # when the reason can be told, e.g. points spent meanwhile.
                code = self._loyalty_points_refusal(invoice) or "refused"
        return request.redirect(
            f"{invoice.access_url}?{url_encode({'loyalty_points': code})}"
        )

    def _loyalty_points_pay(self, invoice):
        """Register the payment of the whole amount due in the company's points
        journal: the register wizard's checks, the one redemption service on
        the ``portal`` channel, and the e-mail after a points payment."""
        company = invoice.company_id
        # sudo: customers have no rights on payments; the wizard pays only this
        # invoice (checked by the caller: the customer's own, payable), and the
        # redemption service checks the points rules under the balance lock.
        # The entries still record the customer as their user (sudo keeps it).
        wizard = (
            request.env["account.payment.register"]
            .sudo()
            .with_company(company)
            .with_context(
                active_model="account.move",
                active_ids=invoice.ids,
                loyalty_points_channel="portal",
            )
            .create(
                {
                    "journal_id": company.loyalty_points_journal_id.id,
                    "amount": invoice.amount_residual,
                    "payment_date": fields.Date.context_today(invoice),
                }
            )
        )
        return wizard._create_payments()
