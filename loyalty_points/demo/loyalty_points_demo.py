# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time, timedelta

from odoo import Command, fields, models


class LoyaltyPointsProgram(models.Model):
    """Demo data written the way the application writes it (called from
    ``demo/loyalty_points_demo.xml``)."""

    # One file per concern: the model is split by what each part does.
    _inherit = "loyalty.points.program"  # pylint: disable=consider-merging-classes-inherited

    def _demo_load_history(self):
        """Demo data: a history written the way the application writes it.

        Invoices are posted and paid, so their points come from the accrual; a
        goodwill grant and a correction are adjustments with a reason; a welcome
        bonus past its expiry date is consumed by an expiry entry; and once the
        program has a pending period, a fresh invoice's points are still pending."""
        self.ensure_one()
        company = self.company_ids[:1]
        journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(company),
                ("type", "=", "bank"),
            ],
            limit=1,
        )
        if not journal:
            return  # no chart of accounts: nothing can be invoiced
        program = self.with_company(company)
        ref = program.env.ref
        anna = ref("loyalty_points.res_partner_demo_anna")
        marco = ref("loyalty_points.res_partner_demo_marco")
        sofia = ref("loyalty_points.res_partner_demo_sofia")
        consultation = ref("loyalty_points.product_demo_consultation")
        vaccination = ref("loyalty_points.product_demo_vaccination")
        dental_kit = ref("loyalty_points.product_demo_dental_kit")
        euthanasia = ref("loyalty_points.product_demo_euthanasia")
        today = fields.Date.context_today(program)
        pending_hours = program.pending_hours or 24

        # Earned before the program had a pending period: available now.
        program.pending_hours = 0
        program._demo_paid_invoice(
            anna, [(consultation, 1), (vaccination, 2)], today - timedelta(45), journal
        )
        program._demo_paid_invoice(
            anna, [(consultation, 1), (dental_kit, 2)], today - timedelta(20), journal
        )
        # The excluded service earns nothing; the consultation on the same ticket does.
        program._demo_paid_invoice(
            marco, [(consultation, 1), (euthanasia, 1)], today - timedelta(30), journal
        )

        Entry = program.env["loyalty.points.entry"]
        Entry._lock_balances(program, anna | marco)
        Entry._write_entries(
            [
                program._demo_entry_vals(
                    anna, "adjust", 25, reason="Goodwill: waited an hour for her visit"
                ),
                program._demo_entry_vals(
                    anna, "adjust", -5, reason="Correction: vaccination counted twice"
                ),
            ]
        )
        # A welcome bonus of long ago, left unspent past its expiry date: the
        # nightly job writes it off (run at the end).
        earned = datetime.combine(today - timedelta(400), time(10))
        Entry._write_entries(
            [
                program._demo_entry_vals(
                    marco,
                    "grant",
                    50,
                    reason="Welcome bonus",
                    origin="Grant welcome points",
                    date=earned,
                    available_date=earned,
                    expiry_date=(earned + timedelta(days=365)).date(),
                )
            ]
        )

        # From now on, earned points wait a day before they can be spent.
        program.pending_hours = pending_hours
        program._demo_paid_invoice(
            sofia, [(consultation, 1), (vaccination, 1)], today, journal
        )
        # The nightly job has run: what expired is written off.
        Entry._cron_expire_points()

    def _demo_entry_vals(self, partner, kind, points, **vals):
        return {
            "partner_id": partner.id,
            "program_id": self.id,
            "company_id": self.env.company.id,
            "kind": kind,
            "points": points,
            **vals,
        }

    def _demo_paid_invoice(self, partner, lines, date, journal):
        """A customer invoice of ``lines`` [(product template, quantity)], posted and
        paid in full through ``journal`` on ``date``."""
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": template.product_variant_id.id,
                            "quantity": quantity,
                        }
                    )
                    for template, quantity in lines
                ],
            }
        )
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"journal_id": journal.id, "payment_date": date})._create_payments()
        return invoice
