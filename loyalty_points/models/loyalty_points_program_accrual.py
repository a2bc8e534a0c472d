# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import _, models
from odoo.tools import SQL, float_compare, float_is_zero


class LoyaltyPointsProgram(models.Model):
    """What a ticket earns, for every kind of ticket (an invoice, a Point of Sale
    order): who earns, the share of the amount that earns, the points of its
    lines, and the ledger entries that keep its earning in line with the ticket
    as it changes (credit notes, refunds, payments taken back)."""

    # One file per concern: the model is split by what each part does.
    _inherit = "loyalty.points.program"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ arithmetic
    def _earning_refusal(self, partner, date):
        """Why a ticket of ``partner`` dated ``date`` earns nothing in the program,
        whatever it holds (a reason for the ledger), or False."""
        self.ensure_one()
        if date < self.date_start:
            return _("Before the program's start date")
        if (
            self.enrolled_only
            and not partner.commercial_partner_id.loyalty_points_enrolled
        ):
            return _("Customer not enrolled")
        return False

    def _ticket_spend(self, eligible, ticket, earning_paid, other_paid, points_paid):
        """The part of a closed ticket's amount that earns, in the program's
        currency: ``eligible`` (its lines that earn) and ``ticket`` (all its
        product lines), net of what was refunded, times the share paid by methods
        that earn (``earning_paid`` of what was paid: that, ``other_paid`` by
        methods that do not, and ``points_paid`` with points). Nothing for a
        ticket below the minimum, or paid with points when such tickets earn
        nothing. The same for invoices and Point of Sale orders."""
        self.ensure_one()
        if points_paid and self.points_paid_earning == "none":
            return 0.0
        paid = earning_paid + other_paid + points_paid
        share = earning_paid / paid if paid else 0.0
        if ticket < self.min_amount or eligible <= 0 or not share:
            return 0.0
        return eligible * share

    def _lines_points(self, lines, spend):
        """Points a ticket earns (per transaction, before rounding): ``lines``
        [(product, amount, quantity)] are its eligible lines, amounts in the
        program's currency; ``spend`` the part of their amount that earns (after
        refunds and the payment share, ``_ticket_spend``). Lines at the default
        rate earn the program's rate on their share; a product's custom rate or
        fixed points per unit apply to its own lines; the multiplier on top. The
        same for invoices and Point of Sale orders. Cumulative spend earns by the
        customer's total instead (``_cumulative_points``)."""
        self.ensure_one()
        if self.mode == "cumulative":
            return 0.0
        rules = [
            (product._loyalty_points_rule() if product else ("eligible", 0.0, 0.0))
            for product, _amount, _quantity in lines
        ]
        default = sum(
            amount
            for (rule, _rate, _fixed), (_p, amount, _q) in zip(
                rules, lines, strict=True
            )
            if rule == "eligible"
        )
        direct = sum(
            amount
            for (rule, _rate, _fixed), (_p, amount, _q) in zip(
                rules, lines, strict=True
            )
            if rule in ("custom_rate", "fixed")
        )
        total = default + direct
        if float_is_zero(total, precision_digits=4):
            return 0.0
        ratio = spend / total
        points = self._points_for_basis(default * ratio)
        for (rule, rate, fixed), (_product, amount, quantity) in zip(
            rules, lines, strict=True
        ):
            if rule == "custom_rate":
                points += amount * ratio * rate
            elif rule == "fixed":
                points += quantity * ratio * fixed
        return points * self.multiplier

    # ------------------------------------------------------------------ ledger
    def _sync_ticket(self, existing, spend, fresh_points, vals):
        """Bring a ticket's earning in line with ``spend`` (program currency), the
        part of its amount that earns now: 0 while it earns nothing (unpaid,
        cancelled, refunded). ``existing`` are the ticket's entries of earning in
        the program (``loyalty.points.entry._accrual_sql``), ``fresh_points`` a
        function giving what a new earning of ``spend`` gets before rounding
        (``_lines_points``), ``vals`` what every entry names: the commercial
        ``partner_id``, the ``company_id``, the source document and the
        ``reason``. Idempotent: what is written is the difference. Returns the
        entries written.

        A ticket earns once per cycle: an ``earn``, then reversals as its amount
        drops and rises again; once fully reversed, it may earn anew in the next
        cycle (an invoice reset to draft and paid again)."""
        self.ensure_one()
        Entry = self.env["loyalty.points.entry"].sudo()
        earns = existing.filtered(lambda e: e.kind == "earn")
        cycle = max(earns.mapped("earn_cycle"), default=-1)
        in_cycle = (
            existing.filtered(lambda e: e.earn_cycle == cycle) if cycle >= 0 else Entry
        )
        net_points = sum(in_cycle.mapped("points"))
        net_basis = sum(in_cycle.mapped("amount_basis"))
        earn = earns.filtered(lambda e: e.earn_cycle == cycle)[:1]
        active = bool(earn) and not (
            float_is_zero(net_points, precision_digits=4)
            and float_is_zero(net_basis, precision_digits=4)
        )
        if not active:
            if self.state == "off" or float_is_zero(spend, precision_digits=4):
                return Entry
            points = fresh_points()
            if float_is_zero(points, precision_digits=4) and self.mode == "transaction":
                return Entry
            return self._write_ticket_earn(
                points, spend, dict(vals, earn_cycle=cycle + 1)
            )
        # Within a cycle the points follow the spend down and back up, never above
        # what the ticket earned when it closed: a setting changed since then
        # applies to the next tickets.
        spend = min(spend, earn.amount_basis)
        delta_basis = spend - net_basis
        if float_is_zero(delta_basis, precision_digits=4):
            return Entry
        if self.state == "off" and delta_basis > 0:
            return Entry  # a program that is off no longer accrues
        return self._write_ticket_reversals(
            earn, in_cycle, spend, dict(vals, earn_cycle=cycle)
        )

    def _write_ticket_earn(self, points, spend, vals):
        """Write the ``earn`` entry of a closed ticket."""
        Entry = self.env["loyalty.points.entry"]
        partner = self.env["res.partner"].browse(vals["partner_id"])
        if self.mode == "cumulative":
            # The points depend on the customer's spend so far: read it under the
            # lock. Points a ticket earns on its own depend on nothing the
            # customer holds; the balance trigger locks the row when the entry is
            # written, as it would be here.
            Entry._lock_balances(self, partner)
            points = self._cumulative_points(self._customer_basis(partner), spend)
        else:
            points = self._round_points(points)
        return Entry._write_entries(
            [
                dict(
                    vals,
                    program_id=self.id,
                    kind="earn",
                    points=points,
                    amount_basis=spend,
                )
            ]
        )

    def _write_ticket_reversals(self, earn, in_cycle, spend, vals):
        """Bring the cycle of ``earn`` (its entries ``in_cycle``) to ``spend``: a
        drop reverses the earning, taking back from its lots; a rise undoes the
        earlier reversals of it, the latest first, each reversal naming the one
        entry it undoes and the points keeping the dates of the earned lot."""
        Entry = self.env["loyalty.points.entry"]
        partner = self.env["res.partner"].browse(vals["partner_id"])
        # What is written depends on the customer's ledger (its spend so far, the
        # lots a reversal takes from): read it under the lock.
        Entry._lock_balances(self, partner)
        net_points = sum(in_cycle.mapped("points"))
        delta = spend - sum(in_cycle.mapped("amount_basis"))
        if self.mode == "cumulative":
            points = self._cumulative_points(self._customer_basis(partner), delta)
        elif float_is_zero(spend, precision_digits=4):
            points = -net_points
        else:
            target = self._round_points(earn.points * spend / earn.amount_basis)
            points = target - net_points
        vals = dict(vals, program_id=self.id, kind="reverse")
        if delta < 0:
            points = min(points, 0.0)
            lots = in_cycle.filtered(lambda e: e.points > 0)
            own = dict(
                vals,
                points=points,
                amount_basis=delta,
                reversed_entry_id=earn.id,
                _from_lot_ids=lots.ids,
            )
            vals_list = [own]
            held = max(net_points, 0.0)
            if (
                self.mode == "cumulative"
                and float_compare(-points, held, precision_digits=4) > 0
            ):
                # The customer's total crossed back over steps that later tickets
                # completed: the ticket gives back what it holds, its later
                # tickets the rest.
                own["points"] = -held
                vals_list += self._cumulative_spill(earn, points + held, vals)
            return Entry._write_entries(vals_list)
        points = max(points, 0.0)
        undone, undone_points = defaultdict(float), defaultdict(float)
        for entry in in_cycle.filtered(lambda e: e.reversed_entry_id.kind == "reverse"):
            undone[entry.reversed_entry_id.id] += entry.amount_basis
            undone_points[entry.reversed_entry_id.id] += entry.points
        vals_list = []
        basis_left, points_left = delta, points
        drops = in_cycle.filtered(lambda e: e.reversed_entry_id == earn)
        for drop in drops.sorted("id", reverse=True):
            room = -drop.amount_basis - undone[drop.id]
            if float_compare(room, 0.0, precision_digits=4) <= 0:
                continue
            take = min(room, basis_left)
            share = self._round_points(points * take / delta)
            vals_list.append(
                dict(
                    vals,
                    points=min(share, points_left),
                    amount_basis=take,
                    reversed_entry_id=drop.id,
                    available_date=earn.available_date,
                    expiry_date=earn.expiry_date,
                )
            )
            basis_left -= take
            points_left -= vals_list[-1]["points"]
            if float_compare(basis_left, 0.0, precision_digits=4) <= 0:
                break
        if self.mode == "cumulative":
            # An undo gives back at most what its drop took; what the customer's
            # total earns beyond it, later tickets gave for this ticket: it goes
            # back to them (_cumulative_spill).
            for piece in vals_list:
                drop = Entry.browse(piece["reversed_entry_id"])
                room = -drop.points - undone_points[drop.id]
                extra = piece["points"] - max(room, 0.0)
                if extra > 0:
                    piece["points"] -= extra
                    points_left += extra
            if float_compare(points_left, 0.0, precision_digits=4) > 0:
                vals_list += self._cumulative_spill_undo(earn, points_left, vals)
        elif vals_list:
            vals_list[-1]["points"] += points_left
        return Entry._write_entries(vals_list)

    def _cumulative_spill(self, earn, points, vals):
        """Reversals taking ``points`` (negative) from the customer's other
        earnings than ``earn``, the latest first, each in its own ticket and at
        most what is left of it, net of what undid its reversals (cumulative
        spend: a drop of the customer's total below a step that a later ticket
        completed). What no earning holds any more (the program's steps changed
        since) is not taken: a reversal never undoes more than its entry."""
        Entry = self.env["loyalty.points.entry"].sudo()
        Entry.flush_model()
        held = SQL(
            """e.points + COALESCE(SUM(d.points + COALESCE(
                   (SELECT SUM(u.points) FROM loyalty_points_entry u
                     WHERE u.reversed_entry_id = d.id), 0)), 0)"""
        )
        rows = self.env.execute_query(
            SQL(
                """SELECT e.id, %(held)s
                     FROM loyalty_points_entry e
                     LEFT JOIN loyalty_points_entry d ON d.reversed_entry_id = e.id
                    WHERE e.program_id = %(program)s AND e.partner_id = %(partner)s
                      AND e.kind = 'earn' AND e.id <> %(earn)s
                    GROUP BY e.id
                   HAVING %(held)s > 0
                    ORDER BY e.id DESC""",
                held=held,
                program=self.id,
                partner=earn.partner_id.id,
                earn=earn.id,
            )
        )
        vals_list = []
        for entry_id, take in self._spread(rows, -points):
            other = Entry.browse(entry_id)
            vals_list.append(
                self._cumulative_spill_vals(other, vals, -take, other.id, [other.id])
            )
        return vals_list

    @staticmethod
    def _spread(rows, points):
        """(id, share) of ``points`` taken from ``rows`` [(id, room)] in their
        order, each at most its room, until none are left."""
        left = points
        for row_id, room in rows:
            if float_compare(left, 0.0, precision_digits=4) <= 0:
                return
            take = min(left, float(room))
            yield row_id, take
            left -= take

    def _cumulative_spill_undo(self, earn, points, vals):
        """Reversals giving ``points`` back to what earlier drops of ``earn``'s
        ticket took from the customer's other earnings (``_cumulative_spill``),
        the latest first, each in its own ticket. What they no longer cover (the
        program's steps changed since) is not given."""
        Entry = self.env["loyalty.points.entry"].sudo()
        Entry.flush_model()
        rows = self.env.execute_query(
            SQL(
                """SELECT s.id, -s.points - COALESCE(SUM(u.points), 0)
                     FROM loyalty_points_entry s
                     JOIN loyalty_points_entry r ON r.id = s.reversed_entry_id
                     LEFT JOIN loyalty_points_entry u ON u.reversed_entry_id = s.id
                    WHERE s.program_id = %s AND s.partner_id = %s
                      AND s.kind = 'reverse' AND s.points < 0
                      AND COALESCE(s.amount_basis, 0) = 0
                      AND r.kind = 'earn' AND r.id <> %s
                    GROUP BY s.id
                   HAVING -s.points - COALESCE(SUM(u.points), 0) > 0
                    ORDER BY s.id DESC""",
                self.id,
                earn.partner_id.id,
                earn.id,
            )
        )
        vals_list = []
        for entry_id, take in self._spread(rows, points):
            piece = Entry.browse(entry_id)
            other = piece.reversed_entry_id
            spill = self._cumulative_spill_vals(other, vals, take, piece.id, [])
            spill.update(
                available_date=other.available_date, expiry_date=other.expiry_date
            )
            vals_list.append(spill)
        return vals_list

    def _cumulative_spill_vals(self, other, vals, points, reversed_id, lot_ids):
        """A reversal in the ticket of the earning ``other``, written for the
        change of another ticket (``vals``: its reason and origin)."""
        return {
            **other._ticket_vals(vals),
            "partner_id": other.partner_id.id,
            "program_id": self.id,
            "company_id": other.company_id.id,
            "earn_cycle": other.earn_cycle,
            "kind": "reverse",
            "points": points,
            "amount_basis": 0.0,
            "reversed_entry_id": reversed_id,
            "origin": vals.get("origin"),
            "reason": _(
                "Cumulative spend: %(reason)s",
                reason=vals.get("reason") or "",
            ),
            "_from_lot_ids": lot_ids,
        }

    def _customer_basis(self, partner):
        """The spend of ``partner`` (commercial) counted so far by the program
        (cumulative mode): what its earnings and their reversals account for."""
        self.ensure_one()
        Entry = self.env["loyalty.points.entry"]
        rows = self.env.execute_query(
            SQL(
                """SELECT COALESCE(SUM(e.amount_basis), 0)
                     FROM loyalty_points_entry e
                     LEFT JOIN loyalty_points_entry r ON r.id = e.reversed_entry_id
                    WHERE e.program_id = %s AND e.partner_id = %s AND %s""",
                self.id,
                partner.id,
                Entry._accrual_sql(),
            )
        )
        return float(rows[0][0])
