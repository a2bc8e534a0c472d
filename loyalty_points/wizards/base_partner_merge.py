# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from markupsafe import Markup

from odoo import _, models
from odoo.tools import SQL

from ..tools import format_points


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Merging customers moves their points ledger to the surviving customer.

    Odoo's generic foreign-key update rewrites ``loyalty_points_entry.partner_id``
    (the one change the ledger's immutability trigger allows, which also moves the
    balances), so every entry keeps its points, dates and expiry. Here we lock the
    balances, keep the ledger on a commercial entity, drop the emptied balance rows
    of the deleted customers and tell the story in the survivor's chatter."""

    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        partners = self.env["res.partner"].browse(partner_ids).exists()
        if len(partners) < 2:
            return super()._merge(partner_ids, dst_partner, extra_checks)
        if not (dst_partner and dst_partner in partners):
            dst_partner = self._get_ordered_partner(partners.ids)[-1]
        before = self._loyalty_points_lock_and_read(partners, dst_partner)
        self._loyalty_points_keep_one_referral(partners, dst_partner)
        names = {partner.id: partner.display_name for partner in partners}
        result = super()._merge(partner_ids, dst_partner, extra_checks)
        survivor = partners.exists()
        if len(survivor) == 1 and before:
            self._loyalty_points_after_merge(partners - survivor, survivor)
            self._loyalty_points_post_merge(before, names, survivor)
        return result

    def _loyalty_points_keep_one_referral(self, partners, dst_partner):
        """A customer brings its referrer points once per program; when several of
        the merged customers each brought them, the survivor keeps one referral
        link (its own, else the oldest) and the others let go of theirs (the one
        change of a referral that the ledger allows). The entries and their points
        stay, their reason still names the customer they were earned for."""
        self.env["loyalty.points.entry"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE loyalty_points_entry e SET referral_partner_id = NULL
                 WHERE e.referral_partner_id = ANY(%(partners)s)
                   AND e.id <> (SELECT k.id FROM loyalty_points_entry k
                                 WHERE k.program_id = e.program_id
                                   AND k.referral_partner_id = ANY(%(partners)s)
                                 ORDER BY k.referral_partner_id = %(dst)s DESC, k.id
                                 LIMIT 1)
                """,
                partners=partners.ids,
                dst=dst_partner.id,
            )
        )
        if self.env.cr.rowcount:
            self.env["loyalty.points.entry"].invalidate_model(["referral_partner_id"])

    def _loyalty_points_balances(self, partner_ids):
        """{program id: {partner id: points}} of the balance rows of ``partner_ids``."""
        balances = defaultdict(dict)
        if not partner_ids:
            return balances
        self.env["loyalty.points.entry"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """SELECT program_id, partner_id, points FROM loyalty_points_balance
                    WHERE partner_id IN %s ORDER BY program_id, partner_id""",
                tuple(partner_ids),
            )
        )
        for program_id, partner_id, points in rows:
            balances[program_id][partner_id] = float(points)
        return balances

    def _loyalty_points_lock_and_read(self, partners, dst_partner):
        """Lock the balances that the merge moves (no spending meanwhile), then
        read them: {program id: {partner id: points}}."""
        Entry = self.env["loyalty.points.entry"]
        programs = self._loyalty_points_balances(partners.ids)
        for program_id, rows in programs.items():
            Entry._lock_balances(
                self.env["loyalty.points.program"].browse(program_id),
                self.env["res.partner"].browse(list(rows))
                | dst_partner.commercial_partner_id,
            )
        return self._loyalty_points_balances(partners.ids)

    def _loyalty_points_after_merge(self, deleted, survivor):
        """Keep the ledger on the survivor's commercial entity (where every balance
        is read) and drop the emptied balance rows of the deleted customers."""
        cr = self.env.cr
        commercial = survivor.commercial_partner_id
        emptied = deleted.ids
        if commercial != survivor:
            # The partner_id-only update that the immutability trigger allows; the
            # trigger moves the balance with it.
            cr.execute(
                SQL(
                    """UPDATE loyalty_points_entry SET partner_id = %s
                        WHERE partner_id = %s""",
                    commercial.id,
                    survivor.id,
                )
            )
            emptied = [*emptied, survivor.id]
        cr.execute(
            SQL(
                """DELETE FROM loyalty_points_balance
                    WHERE partner_id IN %s AND points = 0""",
                tuple(emptied),
            )
        )
        self.env["loyalty.points.entry"].invalidate_model(["partner_id"])
        self.env["res.partner"].invalidate_model()

    def _loyalty_points_post_merge(self, before, names, survivor):
        """Tell in the survivor's chatter which balances were merged, per program."""
        commercial = survivor.commercial_partner_id
        after = self._loyalty_points_balances(commercial.ids)
        # sudo: only the programs' names, whichever companies the user may see.
        programs = self.env["loyalty.points.program"].sudo().browse(list(before))
        lines = []
        for program in programs:
            lines.append(
                _(
                    "Loyalty points merged (%(program)s):",
                    program=program.name,
                )
            )
            for partner_id, points in before[program.id].items():
                lines.append(
                    _(
                        "%(partner)s: %(points)s points",
                        partner=names.get(partner_id, partner_id),
                        points=format_points(self.env, points),
                    )
                )
            lines.append(
                _(
                    "New balance of %(partner)s: %(points)s points",
                    partner=commercial.display_name,
                    points=format_points(
                        self.env, after.get(program.id, {}).get(commercial.id, 0.0)
                    ),
                )
            )
        # sudo: the merge may be done by a contact manager without loyalty rights;
        # the note only reports what the merge did.
        commercial.sudo().message_post(
            body=Markup("<br/>").join(lines),
            author_id=self.env.user.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
