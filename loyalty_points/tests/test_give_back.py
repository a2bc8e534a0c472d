# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo.tests import tagged

from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestGiveBack(LoyaltyPointsCommon):
    """``program._give_back``: whole redemptions, or at most some points (a
    partial refund), lot by lot with each lot's dates, never more than taken."""

    def setUp(self):
        super().setUp()
        self.soon = self.today + timedelta(days=30)
        self.later = self.today + timedelta(days=300)
        self._adjust(self.customer, 3000, expiry_date=self.soon)
        self._adjust(self.customer, 7000, expiry_date=self.later)

    def _back(self, entries, **kw):
        return self.program._give_back(entries, reason="Test", **kw)

    def test_partial_give_backs_go_on_lot_by_lot(self):
        """Given back in parts, a redemption's lots come back in the order it took
        them, each with its dates, a part going on where the last one stopped;
        what was given back counts, so nothing comes back twice."""
        redeem = self.program._redeem(self.customer, 50.0)
        self.assertEqual(redeem.allocation_ids.mapped("points"), [3000.0, 2000.0])
        first = self._back(redeem, points=2500)
        self.assertRecordValues(
            first,
            [
                {
                    "kind": "reverse",
                    "points": 2500.0,
                    "reversed_entry_id": redeem.id,
                    "expiry_date": self.soon,
                    "amount_basis": 25.0,
                }
            ],
        )
        second = self._back(redeem, points=4000)
        self.assertRecordValues(
            second,
            [
                {"points": 500.0, "expiry_date": self.soon, "amount_basis": 25.0},
                {"points": 2000.0, "expiry_date": self.later, "amount_basis": 0.0},
            ],
        )
        self.assertFalse(self._back(redeem, points=100))
        self.assertFalse(self._back(redeem))
        self.assertEqual(self._points(), 10_000.0)

    def test_oldest_redemption_first_then_the_rest(self):
        """A limit spans several redemptions, the oldest first; without a limit,
        what is left of each comes back."""
        older = self.program._redeem(self.customer, 10.0)
        newer = self.program._redeem(self.customer, 10.0)
        back = self._back(newer | older, points=1500)
        self.assertEqual(
            [(e.reversed_entry_id, e.points) for e in back],
            [(older, 1000.0), (newer, 500.0)],
        )
        rest = self._back(newer | older)
        self.assertRecordValues(
            rest,
            [{"reversed_entry_id": newer.id, "points": 500.0, "amount_basis": 5.0}],
        )
        self.assertEqual(self._points(), 10_000.0)
