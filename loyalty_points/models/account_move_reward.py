# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, _, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero, formatLang


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    loyalty_points_reward_id = fields.Many2one(
        "loyalty.points.reward",
        string="Loyalty Reward",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
        help="The reward this line gives at no charge, paid with points.",
    )

    def write(self, vals):
        rewards = self.filtered("loyalty_points_reward_id")
        if rewards:
            rewards._loyalty_points_check_reward_write(vals)
        return super().write(vals)

    def _loyalty_points_check_reward_write(self, vals):
        """A reward line gives one reward at no charge: its product, quantity and
        price stay as the redemption made them."""
        for line in self:
            changed = (
                "product_id" in vals and vals["product_id"] != line.product_id.id
            ) or (
                "quantity" in vals
                and float_compare(
                    vals["quantity"],
                    line.quantity,
                    precision_rounding=line.product_uom_id.rounding or 0.01,
                )
            )
            priced = "price_unit" in vals and not float_is_zero(
                vals["price_unit"] or 0.0,
                precision_rounding=line.currency_id.rounding or 0.01,
            )
            if changed or priced:
                raise UserError(
                    _(
                        "%(line)s is the loyalty reward %(reward)s, paid with points: "
                        "its product, quantity and price cannot change. Delete the "
                        "line to give the points back, then redeem another reward.",
                        line=line.name,
                        reward=line.loyalty_points_reward_id.name,
                    )
                )

    def unlink(self):
        # A deleted reward line gives its points back first.
        rewarded = self.filtered("loyalty_points_reward_id")
        for move, lines in rewarded.grouped("move_id").items():
            move._loyalty_points_give_back_rewards(
                lines, _("Reward line deleted from %(move)s", move=move.display_name)
            )
        return super().unlink()


class AccountMove(models.Model):
    _inherit = "account.move"

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
        if program.state == "off":
            raise UserError(
                _(
                    "The loyalty program %(program)s is off: rewards cannot be "
                    "redeemed.",
                    program=program.name,
                )
            )
        if program.state == "test" and channel != "backend":
            raise UserError(
                _(
                    "The loyalty program %(program)s is in test mode: customers cannot "
                    "redeem rewards yet.",
                    program=program.name,
                )
            )
        if not program.min_redemption:
            raise UserError(
                _(
                    "Redemptions are paused: the minimum redemption of %(program)s is "
                    "0. Set a minimum to allow them again.",
                    program=program.name,
                )
            )
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
        if not partner._loyalty_points_has_balance(program, points):
            available = max(partner._loyalty_points_spendable(program), 0.0)
            raise UserError(
                _(
                    "%(partner)s has %(available)s points available; the reward "
                    "%(reward)s needs %(points)s points.",
                    partner=partner.display_name,
                    available=formatLang(self.env, available, dp="Loyalty Points"),
                    reward=reward.name,
                    points=formatLang(self.env, points, dp="Loyalty Points"),
                )
            )
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
                points=formatLang(self.env, points, dp="Loyalty Points"),
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return line

    # ------------------------------------------------------------------ giving back
    def _loyalty_points_reward_entries(self, lines):
        """The ``redeem`` entries that paid the reward ``lines`` of these moves."""
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

    def button_cancel(self):
        res = super().button_cancel()
        for move in self.filtered(lambda m: m.state == "cancel"):
            lines = move.invoice_line_ids.filtered("loyalty_points_reward_id")
            if lines:
                move._loyalty_points_give_back_rewards(
                    lines, _("Invoice %(move)s cancelled", move=move.display_name)
                )
        return res

    def button_draft(self):
        cancelled = self.filtered(lambda m: m.state == "cancel")
        res = super().button_draft()
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
