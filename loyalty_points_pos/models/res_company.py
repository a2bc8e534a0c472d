# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, models


class ResCompany(models.Model):
    _inherit = "res.company"

    def _loyalty_points_setup_accounting(self):
        res = super()._loyalty_points_setup_accounting()
        self._loyalty_points_pos_method()
        return res

    def _loyalty_points_pos_method(self):
        """The company's "Loyalty Points" Point of Sale payment method, on its points
        journal, created once: a POS manager adds it to the tills that take
        points. Points belong to a customer, so it identifies the customer and
        the session close books one payment per customer."""
        Method = self.env["pos.payment.method"].with_context(active_test=False)
        methods = Method
        for company in self.filtered("loyalty_points_journal_id"):
            journal = company.loyalty_points_journal_id
            method = Method.search(
                [("journal_id", "=", journal.id), ("company_id", "=", company.id)],
                limit=1,
            )
            if not method:
                # sudo: set up with the company's points journal by the program,
                # whoever saves the program (a loyalty manager).
                method = Method.sudo().create(
                    {
                        "name": _("Loyalty Points"),
                        "journal_id": journal.id,
                        "outstanding_account_id": (
                            company.loyalty_points_liability_account_id.id
                        ),
                        "split_transactions": True,
                        "loyalty_points_earn": False,
                        "company_id": company.id,
                    }
                )
            methods |= method
        return methods
