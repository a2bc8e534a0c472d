# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import PortalCommon


@tagged("post_install", "-at_install")
class TestPortalSecurity(PortalCommon):
    """What a portal user reaches over JSON-RPC and HTTP: their own entries, in
    every centre, and nothing of another customer's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._give(cls.customer, 500, reason="A gift")
        cls._give(cls.customer, 300, company=cls.centre_2, reason="A centre gift")
        cls.entry_b = cls._give(cls.customer_b, 70, reason="B gift")
        cls.invoice_b = cls._invoice([10.0], partner=cls.customer_b)

    def _call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def test_rpc_own_entries_only(self):
        """search_read on the ledger returns the customer's own entries, those
        of every centre of the program included."""
        self.authenticate("lp_portal_a", "lp_portal_a")
        rows = self._call(
            "loyalty.points.entry",
            "search_read",
            [],
            fields=["partner_id", "points", "company_id"],
        )
        self.assertEqual({row["partner_id"][0] for row in rows}, {self.customer.id})
        self.assertEqual(sorted(row["points"] for row in rows), [300, 500])
        self.assertIn(self.centre_2.id, {row["company_id"][0] for row in rows})
        # Another customer's entry, by its id: nothing.
        self.assertFalse(
            self._call(
                "loyalty.points.entry",
                "search_read",
                [("id", "=", self.entry_b.id)],
                fields=["points"],
            )
        )

    @mute_logger("odoo.http")
    def test_rpc_other_customer_refused(self):
        """Reading another customer's balance or entry, any program, or writing
        an entry is refused; the customer's own balance reads."""
        self.authenticate("lp_portal_a", "lp_portal_a")
        own = self._call(
            "res.partner", "read", [self.customer.id], ["loyalty_points_balance"]
        )
        self.assertEqual(own[0]["loyalty_points_balance"], 800)
        access = "odoo.exceptions.AccessError"
        # The ledger refuses any change to an entry, whoever asks.
        immutable = "odoo.exceptions.UserError"
        refused = [
            (
                access,
                "res.partner",
                "read",
                [self.customer_b.id],
                ["loyalty_points_balance"],
            ),
            (access, "loyalty.points.entry", "read", [self.entry_b.id], ["points"]),
            (access, "loyalty.points.program", "search_read", [], ["name"]),
            (
                immutable,
                "loyalty.points.entry",
                "write",
                [self.entry_b.id],
                {"points": 1},
            ),
            (
                access,
                "loyalty.points.entry",
                "create",
                {"partner_id": self.customer.id},
            ),
        ]
        for error, model, method, *args in refused:
            with self.subTest(model=model, method=method):
                with self.assertRaises(JsonRpcException) as caught:
                    self._call(model, method, *args)
                self.assertEqual(caught.exception.args[0], error)

    @mute_logger("odoo.http")
    def test_http_other_customer_refused(self):
        """Another customer's invoice page is refused, and its payment route
        answers 404 without writing anything."""
        self.authenticate("lp_portal_a", "lp_portal_a")
        response = self.url_open(self.invoice_b.access_url, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertTrue(response.headers["Location"].endswith("/my"))
        entries = self.env["loyalty.points.entry"].search_count([])
        response = self.url_open(
            f"/my/invoices/{self.invoice_b.id}/pay_with_points",
            data={"csrf_token": self._csrf()},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 404)
        self.env.invalidate_all()
        self.assertEqual(self.env["loyalty.points.entry"].search_count([]), entries)
        self.assertEqual(self.invoice_b.payment_state, "not_paid")
