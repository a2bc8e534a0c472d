# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import format_points

CLOSED = ("paid", "in_payment")


class AccountMove(models.Model):
    _inherit = "account.move"

    loyalty_points_entry_ids = fields.One2many(
        "loyalty.points.entry",
        "move_id",
        string="Loyalty Points Entries",
        readonly=True,
    )
    loyalty_points = fields.Float(
        digits="Loyalty Points",
        compute="_compute_loyalty_points",
        compute_sudo=True,
        help="Points this invoice has earned, net of its reversals.",
    )

    @api.depends("loyalty_points_entry_ids.points")
    def _compute_loyalty_points(self):
        rows = self.env["loyalty.points.entry"]._accrual_rows(
            "move_id",
            self._origin.ids,
            SQL("e.move_id, SUM(e.points)"),
            group_by_document=True,
        )
        points = {move_id: float(total) for move_id, total in rows}
        for move in self:
            move.loyalty_points = points.get(move._origin.id, 0.0)

    # ------------------------------------------------------------------ hooks
    # An invoice earns when it becomes paid. Odoo calls ``_invoice_paid_hook`` only
    # from the reconciliation's post hook (where ours syncs every move reconciled)
    # and from ``_post`` (for invoices of zero): syncing there too would compute the
    # same invoice twice per payment (benchmark tests/benchmarks/accrual.py).

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # A credit note changes what its invoice earns; an invoice earns nothing
        # before it is paid (its earlier points were reversed when it was reset to
        # draft), so the invoices posted unpaid, the usual case, need no sync.
        posted.filtered(
            lambda move: move.move_type != "out_invoice" or move.payment_state in CLOSED
        )._loyalty_points_sync()
        return posted

    def button_draft(self):
        cancelled = self.filtered(lambda m: m.state == "cancel")
        res = super().button_draft()
        self._loyalty_points_sync()
        # The points of their rewards went back when they were cancelled: the
        # reward lines go too, so that a reward is never given without its points.
        for move in cancelled:
            lines = move.invoice_line_ids.filtered("loyalty_points_reward_id")
            if not lines:
                continue
            move.message_post(
                body=_(
                    "Reward lines removed: %(rewards)s. Their points went back to the "
                    "customer when the invoice was cancelled; redeem them again if "
                    "the customer still wants them.",
                    rewards=", ".join(lines.loyalty_points_reward_id.mapped("name")),
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
            move.write(
                {"invoice_line_ids": [Command.delete(line.id) for line in lines]}
            )
        return res

    def button_cancel(self):
        res = super().button_cancel()
        cancelled = self.filtered(lambda m: m.state == "cancel")
        # What the invoices earned is reversed; their rewards' points go back.
        self._loyalty_points_sync()
        for move in cancelled:
            lines = move.invoice_line_ids.filtered("loyalty_points_reward_id")
            if lines:
                move._loyalty_points_give_back_rewards(
                    lines, _("Invoice %(move)s cancelled", move=move.display_name)
                )
        # A cancelled booking no longer books its entries: the next run books them
        # again (a deleted one loses its links through the cascade).
        booked = cancelled.filtered("loyalty_points_booked_entry_ids")
        if booked:
            booked.loyalty_points_booked_entry_ids = [Command.clear()]
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_loyalty_points(self):
        # sudo: whoever may delete the invoice is refused if it has points
        # history, whether or not they may read the ledger.
        if self.sudo().loyalty_points_entry_ids:
            raise UserError(
                _(
                    "%(moves)s has loyalty points history and cannot be deleted; "
                    "cancel it instead: its points are then reversed.",
                    moves=", ".join(
                        self.filtered("loyalty_points_entry_ids").mapped("display_name")
                    ),
                )
            )

    # ------------------------------------------------------------------ accrual
    def _loyalty_points_invoices(self):
        """The customer invoices whose points depend on ``self``: the invoices
        themselves, the invoices of credit notes, and the invoices reconciled with
        them."""
        invoices = self.filtered(lambda m: m.move_type == "out_invoice")
        refunds = self.filtered(lambda m: m.move_type == "out_refund")
        invoices |= refunds.reversed_entry_id
        for refund in refunds:
            invoices |= refund._loyalty_points_partials_moves().filtered(
                lambda m: m.move_type == "out_invoice"
            )
        return invoices

    def _loyalty_points_sync(self):
        """Bring each invoice's ledger in line with what it earns now.

        Idempotent: it writes the difference between what the invoice earns in its
        current state (paid or not, credit notes, payment methods) and what its
        entries already hold, so it can run after any change, any number of times.
        Then the referrer of a customer whose first ticket has just earned gets the
        referral points (``loyalty.points.entry._grant_referrals``)."""
        Entry = self.env["loyalty.points.entry"]
        written = Entry.sudo()  # an empty set of what the ledger wrote
        for invoice in self._loyalty_points_invoices():
            written |= invoice._loyalty_points_sync_one()
        if written:
            Entry._grant_referrals(written)

    def _loyalty_points_sync_one(self):
        """Write what this invoice's earning misses; return the entries written."""
        self.ensure_one()
        # sudo: the user who closes the ticket may not read the ledger; what the
        # invoice already earned is read whatever their rights.
        Entry = self.env["loyalty.points.entry"].sudo()
        existing = Entry.browse(
            entry_id
            for (entry_id,) in Entry._accrual_rows("move_id", self.ids, SQL("e.id"))
        )
        if not existing and not (
            self.state == "posted" and self.payment_state in CLOSED
        ):
            return Entry  # nothing earned yet, nothing to earn before it is paid
        # sudo: a ticket earns by the program's rules whoever closes it; the user
        # who registers the payment needs no right on loyalty programs.
        program = existing[-1:].program_id or self.env[
            "loyalty.points.program"
        ].sudo()._program_for_company(self.company_id)
        if not program:
            return Entry
        existing = existing.filtered(lambda e: e.program_id == program)
        spend, lines, reason = self._loyalty_points_spend(program)
        return program._sync_ticket(
            existing,
            spend,
            lambda: self._loyalty_points_fresh(program, spend, lines),
            {
                "partner_id": self.commercial_partner_id.id,
                "company_id": self.company_id.id,
                "move_id": self.id,
                "move_line_ids": [fields.Command.set(lines.ids)],
                "reason": reason,
            },
        )

    def _loyalty_points_fresh(self, program, spend, lines):
        """Points the invoice earns now with ``spend`` (its eligible amount that
        earns), by the program's arithmetic for any ticket."""
        return program._lines_points(
            [
                (
                    line.product_id,
                    self._loyalty_points_line_amount(program, line),
                    line.quantity,
                )
                for line in lines
            ],
            spend,
        )

    def _loyalty_points_line_amount(self, program, line):
        """The discounted amount of ``line`` in the program's currency, untaxed or tax
        included as the program says."""
        amount = abs(line.balance)
        if program.amount_basis == "taxed" and line.price_subtotal:
            amount *= line.price_total / line.price_subtotal
        company = self.company_id
        return company.currency_id._convert(
            amount,
            program.currency_id,
            company,
            self.invoice_date or self.date or fields.Date.today(),
        )

    def _loyalty_points_eligible_lines(self):
        lines = self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        return lines.filtered(
            lambda line: not line.product_id
            or line.product_id._loyalty_points_rule()[0] != "excluded"
        )

    def _loyalty_points_spend(self, program):
        """(eligible spend that earns now, eligible lines, reason) of this invoice:
        the eligible lines' amount net of its credit notes, times the share paid
        through journals that earn. 0 unless the invoice is posted and paid."""
        self.ensure_one()
        partner = self.commercial_partner_id
        lines = self._loyalty_points_eligible_lines()
        if self.state == "cancel":
            return 0.0, lines, _("Invoice cancelled")
        if self.state != "posted":
            return 0.0, lines, _("Invoice reset to draft")
        if self.payment_state not in CLOSED:
            return 0.0, lines, _("Invoice no longer paid")
        refusal = program._earning_refusal(partner, self.invoice_date or self.date)
        if refusal:
            return 0.0, lines, refusal
        eligible = sum(
            self._loyalty_points_line_amount(program, line) for line in lines
        )
        ticket = sum(
            self._loyalty_points_line_amount(program, line)
            for line in self.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
            )
        )
        reason = _("Invoice paid")
        earning_paid = other_paid = points_paid = 0.0
        refunds = defaultdict(float)
        for move, journal, amount in self._loyalty_points_partials():
            if amount is None:  # a credit note that reverses the whole invoice
                refunds[move] = 1.0
            elif move.move_type == "out_refund":
                refunds[move] = max(
                    refunds[move], amount / abs(move.amount_total_signed or 1.0)
                )
            elif journal.loyalty_points_journal:
                points_paid += amount
            elif journal.loyalty_points_earn:
                earning_paid += amount
            else:
                other_paid += amount
        if points_paid and program.points_paid_earning == "none":
            return 0.0, lines, _("Paid with points")  # saves reading the refunds
        for refund, fraction in refunds.items():
            refund_lines = refund._loyalty_points_eligible_lines()
            eligible -= fraction * sum(
                refund._loyalty_points_line_amount(program, line)
                for line in refund_lines
            )
            ticket -= fraction * sum(
                refund._loyalty_points_line_amount(program, line)
                for line in refund.invoice_line_ids.filtered(
                    lambda line: line.display_type == "product"
                )
            )
            reason = _("Credit note %(refund)s", refund=refund.name)
        spend = program._ticket_spend(
            eligible, ticket, earning_paid, other_paid, points_paid
        )
        return spend, lines, reason

    def _loyalty_points_partials_moves(self):
        return self.env["account.move"].browse(
            {move.id for move, _journal, _amount in self._loyalty_points_partials()}
        )

    def _loyalty_points_partials(self):
        """[(counterpart move, journal, amount in company currency)] reconciled with
        this move's receivable lines, then [(credit note, its journal, None)] for
        the posted credit notes that reverse this move whole. One query: every
        payment of an invoice asks it."""
        self.ensure_one()
        receivable = self.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.env["account.partial.reconcile"].flush_model()
        self.env["account.move.line"].flush_model(["move_id", "journal_id"])
        self.env["account.move"].flush_model(
            ["reversed_entry_id", "state", "move_type", "journal_id"]
        )
        # The journal of a payment is its move's, which its lines carry.
        rows = self.env.execute_query(
            SQL(
                """
                SELECT counterpart.move_id, counterpart.journal_id, part.amount
                  FROM account_partial_reconcile part
                  JOIN account_move_line counterpart
                    ON counterpart.id = CASE WHEN part.debit_move_id = ANY(%(lines)s)
                                             THEN part.credit_move_id
                                             ELSE part.debit_move_id END
                 WHERE (part.debit_move_id = ANY(%(lines)s)
                        OR part.credit_move_id = ANY(%(lines)s))
                   AND counterpart.move_id != %(move)s
                UNION ALL
                SELECT refund.id, refund.journal_id, NULL
                  FROM account_move refund
                 WHERE refund.reversed_entry_id = %(move)s
                   AND refund.state = 'posted' AND refund.move_type = 'out_refund'
                """,
                lines=receivable.ids,
                move=self.id,
            )
        )
        Move, Journal = self.env["account.move"], self.env["account.journal"]
        return [
            (
                Move.browse(move_id),
                Journal.browse(journal_id),
                None if amount is None else float(amount),
            )
            for move_id, journal_id, amount in rows
        ]

    loyalty_points_booked_entry_ids = fields.Many2many(
        "loyalty.points.entry",
        "loyalty_points_entry_booked_rel",
        "move_id",
        "entry_id",
        string="Booked Loyalty Points Entries",
        readonly=True,
        copy=False,
        help="The ledger movements whose value this journal entry books.",
    )

    def init(self):
        res = super().init()
        # A ledger entry is booked by one journal entry only, whatever writes the
        # link (the ORM inserts Many2many rows with ON CONFLICT DO NOTHING, so the
        # booking inserts its links itself and fails on a second booking).
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS loyalty_points_entry_booked_rel_entry_uniq
                ON loyalty_points_entry_booked_rel (entry_id)
            """
        )
        return res

    def _loyalty_points_books_link(self, entry_ids):
        """Record that this journal entry books the ledger entries ``entry_ids``.
        A plain INSERT: the unique index on ``entry_id`` refuses an entry that is
        already booked."""
        self.ensure_one()
        if not entry_ids:
            return
        self.env.cr.execute(
            SQL(
                """INSERT INTO loyalty_points_entry_booked_rel (move_id, entry_id)
                   SELECT %s, unnest(%s::int[])""",
                self.id,
                list(entry_ids),
            )
        )
        self.invalidate_recordset(["loyalty_points_booked_entry_ids"])

    # ------------------------------------------------------------------ redeeming
    def _loyalty_points_reward_program(self, reward, channel="backend"):
        """The program a reward is redeemed in on this invoice; refuse what cannot
        be, saying what to do."""
        self.ensure_one()
        if self.move_type != "out_invoice":
            raise UserError(_("Rewards are redeemed on customer invoices only."))
        if self.state != "draft":
            raise UserError(
                _(
                    "%(move)s is not a draft: reset it to draft to add a reward.",
                    move=self.display_name,
                )
            )
        if not self.commercial_partner_id:
            raise UserError(_("Choose the customer of the invoice first."))
        program = self.env["loyalty.points.program"]._program_for_company(
            self.company_id
        )
        if not program:
            raise UserError(
                _(
                    "No loyalty program covers %(company)s: its customers have no "
                    "points to redeem.",
                    company=self.company_id.name,
                )
            )
        if reward.program_id != program:
            raise UserError(
                _(
                    "The reward %(reward)s is not offered by %(program)s, the program "
                    "of %(company)s: choose one of its rewards.",
                    reward=reward.name,
                    program=program.name,
                    company=self.company_id.name,
                )
            )
        if not reward.active:
            raise UserError(
                _(
                    "The reward %(reward)s is archived and no longer offered: choose "
                    "another one.",
                    reward=reward.name,
                )
            )
        program._check_spending_open(channel)
        return program

    def _loyalty_points_prepare_reward_line_vals(self, reward):
        """An invoice line giving ``reward`` at no charge, named in the customer's
        language."""
        name = reward.with_context(lang=self.partner_id.lang or self.env.lang).name
        vals = {
            "name": name,
            "quantity": 1.0,
            "price_unit": 0.0,
            "discount": 0.0,
            "tax_ids": [Command.clear()],
            "loyalty_points_reward_id": reward.id,
        }
        if reward.product_id:
            vals["product_id"] = reward.product_id.id
        return vals

    def _loyalty_points_redeem_reward(self, reward, channel="backend"):
        """Give ``reward`` on this draft customer invoice: lock the customer's
        balance, check the points are there, add the line at no charge and write
        the ``redeem`` entry for the reward's points. Nothing is written when
        anything is refused. Returns the new invoice line."""
        self.ensure_one()
        program = self._loyalty_points_reward_program(reward, channel)
        partner = self.commercial_partner_id
        points = reward.points_cost
        Entry = self.env["loyalty.points.entry"]
        Entry._lock_balances(program, partner)
        short = reward._loyalty_points_short_message(program, partner, points)
        if short:
            raise UserError(short)
        before = self.invoice_line_ids
        self.write(
            {
                "invoice_line_ids": [
                    Command.create(
                        self._loyalty_points_prepare_reward_line_vals(reward)
                    )
                ]
            }
        )
        line = self.invoice_line_ids - before
        Entry._write_entries(
            [
                {
                    "partner_id": partner.id,
                    "program_id": program.id,
                    "company_id": self.company_id.id,
                    "kind": "redeem",
                    "points": -points,
                    "move_id": self.id,
                    "move_line_ids": [Command.set(line.ids)],
                    "reason": _("Reward: %(reward)s", reward=reward.name),
                }
            ]
        )
        self.message_post(
            body=_(
                "Reward %(reward)s redeemed for %(points)s loyalty points.",
                reward=reward.name,
                points=format_points(self.env, points),
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return line

    # ------------------------------------------------------------------ giving back
    def _loyalty_points_reward_entries(self, lines):
        """The ``redeem`` entries that paid the reward ``lines`` of these moves."""
        # sudo: the user cancelling the invoice gives the points back whether or
        # not they may read the ledger.
        return (
            self.env["loyalty.points.entry"]
            .sudo()
            .search(
                [
                    ("move_id", "in", self.ids),
                    ("kind", "=", "redeem"),
                    ("move_line_ids", "in", lines.ids),
                ]
            )
        )

    def _loyalty_points_give_back_rewards(self, lines, reason):
        """Give the points of the reward ``lines`` back to the lots they came from
        (once, however often this runs)."""
        for move in self:
            entries = move._loyalty_points_reward_entries(
                lines.filtered(lambda line, move=move: line.move_id == move)
            )
            for program in entries.program_id:
                program._give_back(
                    entries.filtered(
                        lambda e, program=program: e.program_id == program
                    ),
                    reason=reason,
                    move_id=move.id,
                )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default)
        reversal = bool((default or {}).get("reversed_entry_id"))
        for vals in vals_list:
            if not vals.get("line_ids"):
                continue
            commands = vals["line_ids"]
            if reversal:
                # A credit note's lines are not rewards of their own.
                for command in commands:
                    if len(command) > 2 and isinstance(command[2], dict):
                        command[2].pop("loyalty_points_reward_id", None)
            else:
                # A duplicated invoice gets no reward its customer did not pay for.
                vals["line_ids"] = [
                    command
                    for command in commands
                    if not (
                        len(command) > 2
                        and isinstance(command[2], dict)
                        and command[2].get("loyalty_points_reward_id")
                    )
                ]
        return vals_list
