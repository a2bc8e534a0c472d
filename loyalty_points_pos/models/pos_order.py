# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import math
from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare, format_amount

from odoo.addons.loyalty_points.tools import format_points, record_id_input

_logger = logging.getLogger(__name__)

PAID = ("paid", "done", "invoiced")
MANAGER_GROUP = "loyalty_points.group_loyalty_points_manager"


class PosOrder(models.Model):
    _inherit = "pos.order"

    # Staff of the loyalty program only: the till reads every field of its orders
    # as the cashier, who may not read the ledger (the figures below are
    # computed for them).
    loyalty_points_entry_ids = fields.One2many(
        "loyalty.points.entry",
        "pos_order_id",
        string="Loyalty Points Entries",
        readonly=True,
        groups="loyalty_points.group_loyalty_points_user",
    )
    loyalty_points_earned = fields.Float(
        digits="Loyalty Points",
        compute="_compute_loyalty_points",
        compute_sudo=True,
        help="Points this order earned (negative for a refund: taken back).",
    )
    loyalty_points_spent = fields.Float(
        digits="Loyalty Points",
        compute="_compute_loyalty_points",
        compute_sudo=True,
        help="Points this order was paid with (negative for a refund: given back).",
    )
    loyalty_points_balance = fields.Float(
        digits="Loyalty Points",
        compute="_compute_loyalty_points",
        compute_sudo=True,
        help="The customer's balance of points now.",
    )

    # ------------------------------------------------------------------ computes
    def _compute_loyalty_points(self):
        """One query for all the orders (the sync answers every order it syncs
        with these, for the receipt): what the entries of each order earned and
        spent, and the balance of its customer in its company's program."""
        Entry = self.env["loyalty.points.entry"]
        Program = self.env["loyalty.points.program"]
        programs = {c: Program._program_for_company(c) for c in self.company_id}
        Entry.flush_model()
        # The balance of the one rule (_amounts_sql), over the balance row ``b``.
        balance = Entry._amounts_sql(SQL("o.partner_id"), SQL("o.program_id"))[0]
        rows = self.env.execute_query(
            SQL(
                """
                SELECT o.id, COALESCE(s.earned, 0), COALESCE(s.spent, 0), %(balance)s
                  FROM unnest(%(orders)s::int[], %(partners)s::int[],
                              %(programs)s::int[])
                       WITH ORDINALITY AS o(id, partner_id, program_id, rank)
                  LEFT JOIN loyalty_points_balance b
                         ON b.partner_id = o.partner_id
                        AND b.program_id = o.program_id
                  LEFT JOIN LATERAL (
                        SELECT SUM(e.points) FILTER (WHERE %(accrual)s) AS earned,
                               -SUM(e.points) FILTER (
                                    WHERE 'redeem' IN (e.kind, r.kind)) AS spent
                          FROM loyalty_points_entry e
                          LEFT JOIN loyalty_points_entry r
                                 ON r.id = e.reversed_entry_id
                         WHERE e.pos_order_id = o.id) s ON TRUE
                 ORDER BY o.rank
                """,
                orders=[order._origin.id or 0 for order in self],
                partners=[
                    order.partner_id.commercial_partner_id.id or 0 for order in self
                ],
                programs=[
                    programs.get(order.company_id, Program).id or 0 for order in self
                ],
                accrual=Entry._accrual_sql(),
                balance=balance,
            )
        )
        for order, (_id, earned, spent, points) in zip(self, rows, strict=True):
            order.loyalty_points_earned = float(earned)
            order.loyalty_points_spent = float(spent)
            order.loyalty_points_balance = float(points)

    # ------------------------------------------------------------------ CRUD
    @api.ondelete(at_uninstall=False)
    def _unlink_except_loyalty_points(self):
        # sudo: whoever may delete the order is refused if it has points history.
        if self.sudo().loyalty_points_entry_ids:
            raise UserError(
                _(
                    "%(orders)s has loyalty points history and cannot be deleted.",
                    orders=", ".join(self.mapped("name")),
                )
            )

    # ------------------------------------------------------------------ sync
    @api.model
    def _process_order(self, order, existing_order):
        self._loyalty_points_check_payload(order)
        # Read before super, which removes it from the values of an update.
        uuid = order.get("uuid") or (existing_order and existing_order.uuid)
        order_id = super()._process_order(order, existing_order)
        pos_order = self.browse(order_id)
        if pos_order.state in PAID:
            strict = uuid in (self.env.context.get("loyalty_points_strict_uuids") or ())
            if not existing_order:
                # Created by this sync: no entry can name it yet, so the
                # lookups of what it already earned and redeemed are skipped.
                pos_order = pos_order.with_context(
                    loyalty_points_new_order_ids=pos_order.ids
                )
            pos_order._loyalty_points_pos_sync(strict=strict)
        return order_id

    @api.model
    def _loyalty_points_check_payload(self, order):
        """Refuse what the till (or a script) sent about points that the ORM
        would fail on with a server error: a points payment whose amount is not
        a finite number, a reward that is not a record id."""
        payments = [
            vals
            for vals in (
                command[2] if isinstance(command, list | tuple) else None
                for command in order.get("payment_ids") or ()
            )
            if isinstance(vals, dict)
            and isinstance(vals.get("payment_method_id"), int)
            and not isinstance(vals["payment_method_id"], bool)
        ]
        # sudo: which methods pay with points, whatever the user's rights. All
        # the order's methods in one read, which the sync reads anyway; an id
        # of no method is refused here (MissingError).
        Method = (
            self.env["pos.payment.method"]
            .sudo()
            .browse(vals["payment_method_id"] for vals in payments)
        )
        for vals, method in zip(payments, Method, strict=True):
            if not method.loyalty_points_redeem:
                continue
            amount = vals.get("amount")
            if (
                isinstance(amount, bool)
                or not isinstance(amount, int | float)
                or not math.isfinite(amount)
            ):
                raise UserError(
                    _(
                        "%(amount)s is not an amount to pay with points: enter the "
                        "amount of the Loyalty Points payment again.",
                        amount=repr(amount),
                    )
                )
        for command in order.get("lines") or ():
            vals = command[2] if isinstance(command, list | tuple) else None
            if isinstance(vals, dict) and vals.get("loyalty_points_reward_id"):
                field = self.env["pos.order.line"]._fields["loyalty_points_reward_id"]
                reward_id = record_id_input(
                    self.env, vals["loyalty_points_reward_id"], field.string
                )
                # sudo: whether the reward exists; reading it is checked later.
                if not self.env[field.comodel_name].sudo().browse(reward_id).exists():
                    raise UserError(
                        _(
                            "The reward of this line does not exist any more: "
                            "remove the line and choose another reward."
                        )
                    )

    def _loyalty_points_is_new(self):
        """Whether this order was created by the sync running now (and so has no
        ledger entries yet)."""
        self.ensure_one()
        return self.id in self.env.context.get("loyalty_points_new_order_ids", ())

    def _loyalty_points_pos_sync(self, strict=False):
        """Write what the paid orders' points miss, in the order's own transaction:
        its points payments (redeemed through the one redemption service, or
        given back for a refund), then what it earns (for a refund, the
        reversal of what the refunded order earned). Computed on the server from
        the order's lines and payments; idempotent, so a replayed sync writes
        nothing more.

        ``strict`` (the order the cashier is validating now): a redemption that
        the rules refuse raises, the order stays open and the cashier is told
        why. Otherwise (orders sold offline, now draining from the till's queue)
        the sale is kept as sold: the redemption is written even if it overdraws,
        the order's chatter says so and a loyalty manager gets an activity."""
        Entry = self.env["loyalty.points.entry"]
        # sudo: points follow the program's rules whoever rings the order up; a
        # cashier has no right on programs or on the ledger.
        Program = self.env["loyalty.points.program"].sudo()
        earned = Entry.sudo()
        for order in self.filtered(lambda o: o.state in PAID):
            program = Program._program_for_company(order.company_id)
            order.lines._loyalty_points_pos_rewards(program, strict)
            if not program:
                if order._loyalty_points_payments():
                    raise UserError(
                        _(
                            "No loyalty program covers %(company)s: remove the "
                            "points payment.",
                            company=order.company_id.name,
                        )
                    )
                continue
            order._loyalty_points_pos_payments(program, strict)
            refunded = order.lines.refunded_orderline_id.order_id
            if refunded:
                for original in refunded:
                    earned |= original._loyalty_points_pos_earn(program, because=order)
            else:
                earned |= order._loyalty_points_pos_earn(program)
        if earned:
            Entry._grant_referrals(earned)

    # ------------------------------------------------------------------ earning
    def _loyalty_points_earning_entries(self, program):
        """The order's entries of earning in ``program``: its ``earn`` and their
        reversals (which name the refund that wrote them)."""
        self.ensure_one()
        # sudo: the order's own entries, read whatever the user's rights.
        Entry = self.env["loyalty.points.entry"].sudo()
        if self._loyalty_points_is_new():
            return Entry
        rows = Entry._accrual_rows(
            "pos_order_id", self.ids, SQL("e.id"), reversals_elsewhere=True
        )
        return Entry.browse(row[0] for row in rows).filtered(
            lambda e: e.program_id == program
        )

    def _loyalty_points_pos_earn(self, program, because=None):
        """Keep what the order earns in line with it (``because``: the refund that
        changed it, which the reversal then names as its document)."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        Entry = self.env["loyalty.points.entry"].sudo()
        if not partner or self.amount_total < 0:
            return Entry
        existing = self._loyalty_points_earning_entries(program)
        if because and not existing:
            return Entry  # a refund takes back what was earned, nothing else
        spend, lines, reason = self._loyalty_points_pos_spend(program)
        if because:
            reason = _("Refund %(order)s", order=because.name)
        document = because or self
        return program._sync_ticket(
            existing,
            spend,
            lambda: program._lines_points(lines, spend),
            {
                "partner_id": partner.id,
                "company_id": self.company_id.id,
                "pos_order_id": document.id,
                "origin": document.name,
                "reason": reason,
            },
        )

    def _loyalty_points_line_amount(self, program, line):
        """The discounted amount of ``line`` in the program's currency, untaxed or
        tax included as the program says."""
        return self._loyalty_points_convert(
            program,
            line.price_subtotal_incl
            if program.amount_basis == "taxed"
            else line.price_subtotal,
        )

    def _loyalty_points_convert(self, program, amount):
        """``amount`` (the order's currency) in the program's currency, at the
        order's date."""
        self.ensure_one()
        if self.currency_id == program.currency_id:
            return amount  # no rate to read: a till sells in the program's currency
        return self.currency_id._convert(
            amount, program.currency_id, self.company_id, self.date_order.date()
        )

    def _loyalty_points_pos_spend(self, program):
        """(spend that earns now, [(product, amount, quantity)] of the eligible
        lines, reason): the order's lines net of what was refunded, by the same
        rules as an invoice (``_ticket_spend``)."""
        self.ensure_one()
        refusal = program._earning_refusal(self.partner_id, self.date_order.date())
        if refusal:
            return 0.0, [], refusal
        eligible = ticket = 0.0
        lines = []
        # A reward line is paid with points: it earns nothing, whatever its price.
        for line in self.lines.filtered(
            lambda line: line.qty > 0 and not line.loyalty_points_reward_id
        ):
            kept = (line.qty - line.refunded_qty) / line.qty
            amount = self._loyalty_points_line_amount(program, line) * kept
            ticket += amount
            product = line.product_id
            if product._loyalty_points_rule()[0] == "excluded":
                continue
            eligible += amount
            lines.append((product, amount, line.qty - line.refunded_qty))
        paid = self._loyalty_points_paid(program)
        spend = program._ticket_spend(
            eligible, ticket, paid["earning"], paid["other"], paid["points"]
        )
        return spend, lines, _("Order paid")

    def _loyalty_points_paid(self, program):
        """{"earning", "other", "points"}: what the order was paid (program
        currency) through methods that earn, that do not, and with points."""
        paid = defaultdict(float)
        for payment in self.payment_ids:
            method = payment.payment_method_id
            key = (
                "points"
                if method.loyalty_points_redeem
                else "earning"
                if method.loyalty_points_earn
                else "other"
            )
            paid[key] += self._loyalty_points_convert(program, payment.amount)
        return paid

    # ------------------------------------------------------------------ paying
    def _loyalty_points_payments(self):
        return self.payment_ids.filtered(
            lambda p: p.payment_method_id.loyalty_points_redeem
        )

    def _loyalty_points_pos_payments(self, program, strict):
        """Redeem (or, for a refund, give back) the points of the order's points
        payments that have no entry yet."""
        self.ensure_one()
        payments = self._loyalty_points_payments()
        self._loyalty_points_check_points_share(payments, strict)
        if not payments:
            return
        partner = self.partner_id.commercial_partner_id
        if not partner:
            raise UserError(
                _(
                    "Points belong to a customer: choose the customer of %(order)s "
                    "before paying with points.",
                    order=self.name,
                )
            )
        # sudo: which payments already took their points, whatever the rights.
        Entry = self.env["loyalty.points.entry"].sudo()
        done = (
            Entry.browse()
            if self._loyalty_points_is_new()
            else Entry.search([("pos_payment_id", "in", payments.ids)])
        ).pos_payment_id
        todo = payments - done
        if not todo:
            return
        for payment in todo.filtered(lambda p: p.amount > 0):
            self._loyalty_points_redeem_payment(program, partner, payment, strict)
        if self.amount_total >= 0:
            return  # a sale gives no points back (refused or flagged above)
        for payment in todo.filtered(lambda p: p.amount < 0):
            self._loyalty_points_give_back_payment(program, partner, payment)

    def _loyalty_points_check_points_share(self, payments, strict):
        """Points never turn into cash: an order does not give change out of a
        points payment, and a refund of an order paid partly with points gives
        that share back as points."""
        rounding = self.currency_id.rounding
        points = sum(payments.mapped("amount"))
        problem = False
        if self.amount_total >= 0 and any(
            float_compare(p.amount, 0.0, precision_rounding=rounding) < 0
            for p in payments
        ):
            problem = _(
                "%(order)s is a sale: a Loyalty Points payment of a sale cannot be "
                "negative (points go back to a customer through a refund only).",
                order=self.name,
            )
        if (
            self.amount_total >= 0
            and float_compare(points, self.amount_total, precision_rounding=rounding)
            > 0
        ):
            problem = _(
                "%(order)s is paid %(points)s with points for a total of "
                "%(total)s: points cannot give change.",
                order=self.name,
                points=format_amount(self.env, points, self.currency_id),
                total=format_amount(self.env, self.amount_total, self.currency_id),
            )
        for original in self.lines.refunded_orderline_id.order_id:
            share = sum(original._loyalty_points_payments().mapped("amount"))
            if not original.amount_total or not share:
                continue
            due = -self.amount_total * share / original.amount_total
            if float_compare(-points, due, precision_rounding=rounding) < 0:
                problem = _(
                    "%(original)s was paid with points: %(due)s of this refund goes "
                    "back as points, not as money. Pay it with the Loyalty Points "
                    "method.",
                    original=original.name,
                    due=format_amount(self.env, due, self.currency_id),
                )
        if problem:
            if strict:
                raise UserError(problem)
            self._loyalty_points_flag(problem)

    def _loyalty_points_redeem_payment(self, program, partner, payment, strict):
        amount = self._loyalty_points_convert(program, payment.amount)
        vals = {
            "company_id": self.company_id.id,
            "pos_order_id": self.id,
            "pos_payment_id": payment.id,
            "origin": self.name,
            "reason": _("Paid %(order)s", order=self.name),
        }
        if strict:
            program._redeem(partner, amount, channel="pos", **vals)
            return
        try:
            with self.env.cr.savepoint():
                program._redeem(partner, amount, channel="pos", **vals)
        except UserError as error:
            # Sold while the till was offline: the goods are gone, the sale stands.
            Entry = self.env["loyalty.points.entry"]
            Entry._lock_balances(program, partner)
            points = program._points_for_amount(amount)
            Entry._write_entries(
                [
                    dict(
                        vals,
                        partner_id=partner.id,
                        program_id=program.id,
                        kind="redeem",
                        points=-points,
                        amount_basis=-amount,
                    )
                ]
            )
            self._loyalty_points_flag(
                _(
                    "%(points)s points were redeemed while the till was offline, "
                    "but the redemption is refused now: %(error)s The sale is kept "
                    "as sold; the customer's balance shows what is missing.",
                    points=format_points(self.env, points),
                    error=error.args[0],
                )
            )

    def _loyalty_points_give_back_payment(self, program, partner, payment):
        """A refund paid in points: give back to the redemptions of the refunded
        orders, with the dates of the lots they took from (``_give_back``); what
        no redemption covers is a refund paid in points."""
        Entry = self.env["loyalty.points.entry"]
        amount = -self._loyalty_points_convert(program, payment.amount)
        points = program._points_for_amount(amount)
        vals = {
            "company_id": self.company_id.id,
            "pos_order_id": self.id,
            "pos_payment_id": payment.id,
            "origin": self.name,
            "reason": _("Refund %(order)s", order=self.name),
        }
        # sudo: the refunded orders' redemptions, whatever the user's rights.
        redeems = Entry.sudo().search(
            [
                ("pos_order_id", "in", self.lines.refunded_orderline_id.order_id.ids),
                ("kind", "=", "redeem"),
                ("program_id", "=", program.id),
                ("partner_id", "=", partner.id),
            ]
        )
        back = program._give_back(redeems, points=points, **vals).filtered(
            lambda e: e.kind == "reverse"
        )
        left = points - sum(back.mapped("points"))
        if float_compare(left, 0.0, precision_digits=4) > 0:
            Entry._lock_balances(program, partner)
            Entry._write_entries(
                [
                    dict(
                        vals,
                        partner_id=partner.id,
                        program_id=program.id,
                        kind="refund",
                        points=left,
                        amount_basis=amount * left / points,
                    )
                ]
            )

    def _loyalty_points_flag(self, message):
        """Say on the order what the points could not do, and give a loyalty
        manager an activity on the customer to look at it."""
        self.ensure_one()
        self.message_post(body=Markup("<p>%s</p>") % message)
        managers = self.env.ref(MANAGER_GROUP).users.filtered(
            lambda u: self.company_id in u.company_ids and not u.share
        )
        if managers:
            # sudo: the cashier may not write on contacts; the activity is the
            # loyalty manager's.
            self.partner_id.commercial_partner_id.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Loyalty points to check: %(order)s", order=self.name),
                note=message,
                user_id=managers.sorted("id")[:1].id,
            )
        _logger.info("Loyalty points, %s: %s", self.name, message)
