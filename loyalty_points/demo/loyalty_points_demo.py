# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time, timedelta

from odoo import Command, api, fields, models

DEMO_RIVERSIDE = "loyalty_points.res_company_demo_riverside"
DEMO_WELCOME_ACTION = "loyalty_points.ir_actions_server_grant_welcome_points"


class LoyaltyPointsProgram(models.Model):
    """Demo data written the way the application writes it (called from
    ``demo/loyalty_points_demo.xml``)."""

    # One file per concern: the model is split by what each part does.
    _inherit = "loyalty.points.program"  # pylint: disable=consider-merging-classes-inherited

    def _demo_load_history(self):
        """Demo data: a year of the program in two centres, written the way the
        application writes it.

        Invoices are posted and paid through the payment wizard, so their points
        come from the accrual; a points payment and a reward spend points; a
        referred customer's first ticket earns her referrer points; a credit note
        made by the Reverse wizard reverses part of a ticket's points; a manager's
        adjustment goes through the adjustment wizard; the welcome points come
        from the demo server action; and the nightly jobs write off an old lot
        and book the ledger. Today's ticket is still pending."""
        self.ensure_one()
        main = self.company_ids[:1]
        if not main.chart_template:
            return  # no chart of accounts: nothing can be invoiced
        riverside = self._demo_setup_second_centre(main)
        ref = self.env.ref
        anna = ref("loyalty_points.res_partner_demo_anna")
        marco = ref("loyalty_points.res_partner_demo_marco")
        sofia = ref("loyalty_points.res_partner_demo_sofia")
        lukas = ref("loyalty_points.res_partner_demo_lukas")
        consultation = ref("loyalty_points.product_demo_consultation")
        vaccination = ref("loyalty_points.product_demo_vaccination")
        dental_kit = ref("loyalty_points.product_demo_dental_kit")
        euthanasia = ref("loyalty_points.product_demo_euthanasia")
        reward = ref("loyalty_points.loyalty_points_reward_demo_nail_trim")
        day = self._demo_day

        with day(300):
            # The excluded service earns nothing; the consultation on the same
            # ticket does. Never spent, the lot expires 180 days later.
            self._demo_paid_invoice(main, marco, [(consultation, 1), (euthanasia, 1)])
            self._demo_paid_invoice(main, anna, [(consultation, 1), (vaccination, 2)])
        with day(200):
            # Anna spends in the other centre what she earned in the first one:
            # part of the ticket is paid with points, the rest by bank.
            invoice = self._demo_invoice(
                riverside, anna, [(consultation, 1), (vaccination, 1)]
            )
            invoice.action_post()
            self._demo_pay(invoice, riverside.loyalty_points_journal_id, 1.5)
            self._demo_pay(invoice)
        with day(120):
            # Sofia's first ticket earns Anna, who brought her, the referral points.
            self._demo_paid_invoice(main, sofia, [(consultation, 1), (vaccination, 1)])
        with day(45):
            ticket = self._demo_paid_invoice(
                riverside, marco, [(consultation, 1), (vaccination, 1)]
            )
        with day(20):
            # The vaccination was not given: its credit note reverses its points,
            # and the money goes back to Marco.
            refund = self._demo_credit_note(
                ticket, vaccination, "Vaccination postponed: vaccine out of stock"
            )
            self._demo_pay(refund)
            self._demo_adjust(
                main, anna, 25, "Goodwill: waited an hour for her appointment"
            )
        with day(3):
            # A reward on a draft invoice: a line at no charge, paid with points.
            # The rest of the ticket, paid by bank, earns.
            invoice = self._demo_invoice(
                riverside, sofia, [(consultation, 1), (dental_kit, 1)]
            )
            invoice._loyalty_points_redeem_reward(reward)
            invoice.action_post()
            self._demo_pay(invoice)

        # Today, at the real time. Lukas enrols: the welcome action (what an
        # automation rule on enrolment runs) grants his points, spendable at once;
        # his first ticket's points wait out the pending period.
        lukas.loyalty_points_enrolled = True
        ref(DEMO_WELCOME_ACTION).with_company(main).with_context(
            active_model="res.partner", active_id=lukas.id, active_ids=lukas.ids
        ).run()
        self._demo_paid_invoice(main, lukas, [(consultation, 1), (vaccination, 1)])
        # The nightly jobs: the lot past its expiry date is written off, and the
        # ledger is booked up to yesterday.
        self.env["loyalty.points.entry"]._cron_expire_points()
        self._cron_book_points()

    @api.model
    def _demo_day(self, days_ago, hour=10):
        """The clock set to ``days_ago`` days ago at ``hour`` (a context manager).

        The ledger, the invoices and the payments date what they write with the
        clock (fields.Datetime.now, fields.Date.today). To spread a history over
        the past year, each step runs with the clock set to its own day, as if
        it had happened then. Demo only: freezegun sets the clock of the whole
        process, for the few seconds the history takes while the addon
        installs; the application itself never does this."""
        # freezegun is in Odoo's requirements (for its tests); only the demo
        # needs it, so an addon installed without demo data does not.
        from freezegun import freeze_time

        moment = datetime.combine(
            fields.Date.today() - timedelta(days=days_ago), time(hour)
        )
        return freeze_time(moment, tick=True)

    def _demo_adjust(self, company, partner, points, reason):
        """A manager's adjustment of ``points`` for ``partner`` in ``company``,
        through the adjustment wizard, as the administrator."""
        self.env["loyalty.points.adjust.wizard"].with_user(
            self.env.ref("base.user_admin")
        ).with_company(company).create(
            {
                "partner_id": partner.id,
                "program_id": self.id,
                "points": points,
                "reason": reason,
            }
        ).action_apply()

    def _demo_setup_second_centre(self, main):
        """Riverside Clinic, the chain's second centre: give it the chart of
        accounts of the first one and add it to the program, which sets up its
        points journal."""
        riverside = self.env.ref(DEMO_RIVERSIDE)
        if not riverside.chart_template:
            riverside.country_id = main.country_id
            # How Odoo loads the chart of a new branch (res.company.create in
            # account); try_loading() would warn that the registry is not loaded
            # yet, which it never is while demo data installs.
            self.env["account.chart.template"]._load(
                main.chart_template, riverside, install_demo=False
            )
        self.company_ids = [Command.link(riverside.id)]
        return riverside

    def _demo_invoice(self, company, partner, lines):
        """A customer invoice of ``company`` for ``lines`` [(product template,
        quantity)], dated today (the demo's frozen day), in draft."""
        return (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": fields.Date.today(),
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
        )

    def _demo_pay(self, move, journal=None, amount=None):
        """Register a payment of ``amount`` (what is due by default) on the posted
        ``move`` today, in ``journal`` (the company's first bank journal by
        default), through the payment wizard."""
        company = move.company_id
        journal = journal or self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(company),
                ("type", "=", "bank"),
            ],
            limit=1,
        )
        vals = {"journal_id": journal.id, "payment_date": fields.Date.today()}
        if amount is not None:
            vals["amount"] = amount
        return (
            self.env["account.payment.register"]
            .with_company(company)
            .with_context(active_model="account.move", active_ids=move.ids)
            .create(vals)
            ._create_payments()
        )

    def _demo_paid_invoice(self, company, partner, lines):
        """A customer invoice of ``lines``, posted and paid in full by bank today."""
        invoice = self._demo_invoice(company, partner, lines)
        invoice.action_post()
        self._demo_pay(invoice)
        return invoice

    def _demo_credit_note(self, invoice, template, reason):
        """The credit note that the invoice's Reverse wizard makes, for its lines of
        ``template`` only (a partial refund), posted today."""
        wizard = (
            self.env["account.move.reversal"]
            .with_company(invoice.company_id)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "journal_id": invoice.journal_id.id,
                    "reason": reason,
                    "date": fields.Date.today(),
                }
            )
        )
        refund = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        refund.write(
            {
                "invoice_line_ids": [
                    Command.delete(line.id)
                    for line in refund.invoice_line_ids
                    if line.product_id.product_tmpl_id != template
                ]
            }
        )
        refund.action_post()
        return refund
