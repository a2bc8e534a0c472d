# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class LoyaltyPointsCommon(AccountTestInvoicingCommon):
    """A company with its chart of accounts, a program at 2 points per 1.00, a
    customer, tax-free products and two bank journals, one that does not earn."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls.env["loyalty.points.program"].create(
            {
                "name": "Test Club",
                "state": "on",
                "company_ids": [Command.set(cls.env.company.ids)],
                "date_start": "2020-01-01",
                "rate_type": "per_currency",
                "rate": 2.0,
                "point_value": 0.01,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Customer A", "is_company": True}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Contact of A", "parent_id": cls.customer.id}
        )
        cls.service = cls._create_product(
            name="Service", lst_price=100.0, taxes_id=[Command.clear()]
        )
        cls.cash_journal = cls.company_data["default_journal_bank"]
        cls.card_journal = cls.cash_journal.copy({"name": "Card", "code": "CARD"})
        cls.card_journal.loyalty_points_earn = False
        cls.today = fields.Date.today()

    @classmethod
    def _invoice(
        cls,
        amounts,
        partner=None,
        post=True,
        move_type="out_invoice",
        products=None,
        **line_vals,
    ):
        """An invoice with one tax-free line per amount (``products`` align with it)."""
        products = products or [cls.service] * len(amounts)
        invoice = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": (partner or cls.customer).id,
                "invoice_date": cls.today,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "quantity": 1.0,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                            **line_vals,
                        }
                    )
                    for amount, product in zip(amounts, products, strict=True)
                ],
            }
        )
        if post:
            invoice.action_post()
        return invoice

    @classmethod
    def _pay(cls, invoice, amount=None, journal=None):
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "amount": amount if amount is not None else invoice.amount_residual,
                    "journal_id": (journal or cls.cash_journal).id,
                    "payment_date": cls.today,
                }
            )
        )
        return wizard._create_payments()

    def _entries(self, partner=None):
        return self.env["loyalty.points.entry"].search(
            [("partner_id", "=", (partner or self.customer).id)], order="id"
        )

    def _points(self, partner=None):
        return sum(self._entries(partner).mapped("points"))

    def _reverse(self, invoice, reason="return"):
        """The draft credit note that the invoice's Reverse wizard makes."""
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": reason})
        )
        return self.env["account.move"].browse(wizard.refund_moves()["res_id"])

    def _adjust(self, partner, points, **vals):
        """An ``adjust`` entry of ``points`` for ``partner`` in the program, written
        as the ledger's writers write: under the balance lock."""
        Entry = self.env["loyalty.points.entry"]
        Entry._lock_balances(self.program, partner)
        return Entry._write_entries(
            [
                {
                    "partner_id": partner.id,
                    "program_id": self.program.id,
                    "kind": "adjust",
                    "points": points,
                    "reason": "Test",
                    **vals,
                }
            ]
        )


class RealConnectionsCase(BaseCase):
    """A test on real database connections: what it writes is committed, where
    another connection can see it, and removed afterwards
    (``remove_committed_ledger``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def setUp(self):
        super().setUp()
        self.assertIsNone(self.registry.test_cr, "needs real connections")


def remove_committed_ledger(registry, program_id, partner_ids):
    """Delete what a test on real connections committed: a program, its ledger and
    its customers. The ledger refuses deletes, so its triggers are lifted for this
    transaction only (ALTER TABLE is transactional and locks the tables until the
    commit)."""
    with registry.cursor() as cr:
        _immutability_triggers(cr, SQL("DISABLE"))
        cr.execute(
            SQL(
                """
                DELETE FROM loyalty_points_allocation WHERE consumer_id IN (
                    SELECT id FROM loyalty_points_entry WHERE program_id = %(p)s);
                DELETE FROM loyalty_points_entry WHERE program_id = %(p)s;
                DELETE FROM loyalty_points_balance WHERE program_id = %(p)s;
                """,
                p=program_id,
            )
        )
        _immutability_triggers(cr, SQL("ENABLE"))
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["res.partner"].browse(partner_ids).unlink()
        env["loyalty.points.program"].browse(program_id).unlink()


def _immutability_triggers(cr, action):
    """``action`` (DISABLE or ENABLE) the ledger's immutability triggers."""
    for table in ("loyalty_points_allocation", "loyalty_points_entry"):
        cr.execute(
            SQL(
                "ALTER TABLE %s %s TRIGGER %s",
                SQL.identifier(table),
                action,
                SQL.identifier(f"{table}_immutable"),
            )
        )
