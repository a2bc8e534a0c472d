# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re
from contextlib import contextmanager

from odoo.tests import tagged

from .common import PortalCommon


@tagged("post_install", "-at_install")
class TestPortalPages(PortalCommon):
    """/my and /my/points for customer A (800 available in two centres, 100
    pending) and customer B (70)."""

    browser_size = "375x667"  # the tour of this class runs at phone width

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.description = "<p>Earn 2 points per euro at every centre.</p>"
        cls._give(cls.customer, 500, reason="Welcome gift", days=300)
        cls._give(
            cls.customer, 300, company=cls.centre_2, reason="Centre gift", days=100
        )
        cls._give(cls.customer, 100, hours=24, reason="Recent visit")
        cls._give(cls.customer_b, 70, reason="B gift")
        Reward = cls.env["loyalty.points.reward"]
        cls.coffee = Reward.create(
            {"name": "Free coffee", "program_id": cls.program.id, "points_cost": 200}
        )
        cls.spa = Reward.create(
            {"name": "Spa day", "program_id": cls.program.id, "points_cost": 5000}
        )

    # ------------------------------------------------------------------ /my
    def test_home_card(self):
        """/my shows a card with the available points and their worth."""
        self.authenticate("lp_portal_a", "lp_portal_a")
        tree = self._page("/my")
        self.assertEqual(self._texts(tree, "o_loyalty_points_card_available"), ["800"])
        self.assertIn("8.00", self._texts(tree, "o_loyalty_points_card_value")[0])
        self.assertTrue(tree.xpath("//a[@href='/my/points']"))

    def test_home_card_reads_the_points_only(self):
        """/my is shown on every visit: the card reads the customer's points in
        one query, and nothing of the program (its facts are in the registry's
        cache), nor of the currency (Odoo's cache of currencies)."""
        self.authenticate("lp_portal_a", "lp_portal_a")
        self._page("/my")  # the caches warm up
        queries = []
        with contextmanager(self._patchExecute)(queries, True):
            tree = self._page("/my")
        self.assertEqual(self._texts(tree, "o_loyalty_points_card_available"), ["800"])
        ours = [q for q in queries if re.search(r'\bFROM\s+"?loyalty_points_', q)]
        self.assertEqual(len(ours), 1, "\n".join(ours))
        self.assertIn("loyalty_points_balance", ours[0], "the points")
        self.assertFalse([query for query in queries if "res_currency" in query])

    def test_home_card_follows_the_program(self):
        """The program's facts the card reads from the registry's cache follow
        its changes at once: its point value, its status, enrolment."""
        self.authenticate("lp_portal_a", "lp_portal_a")
        self._page("/my")
        self.program.point_value = 0.02
        tree = self._page("/my")
        self.assertIn("16.00", self._texts(tree, "o_loyalty_points_card_value")[0])
        self.program.state = "off"
        self.assertFalse(self._find(self._page("/my"), "o_loyalty_points_card"))

    def test_counters_compute_no_balance(self):
        """The counters of the other cards (/my/counters) compute no balance."""
        self.authenticate("lp_portal_a", "lp_portal_a")
        result = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["invoice_count"]}
        )
        self.assertIn("invoice_count", result)
        self.assertFalse([key for key in result if key.startswith("loyalty_points")])

    def _assert_hidden(self, login="lp_portal_a"):
        self.authenticate(login, login)
        tree = self._page("/my")
        self.assertFalse(self._find(tree, "o_loyalty_points_card"))
        self.assertEqual(self.url_open("/my/points").status_code, 404)

    def test_hidden_while_off_or_test(self):
        """While the program is off or in test, no card and /my/points is 404."""
        for state in ("off", "test"):
            with self.subTest(state=state):
                self.program.state = state
                self._assert_hidden()

    def test_hidden_unless_enrolled(self):
        """A program for enrolled customers only shows nothing to the others."""
        self.program.enrolled_only = True
        self._assert_hidden()
        self.customer.loyalty_points_enrolled = True
        self.authenticate("lp_portal_a", "lp_portal_a")
        self.assertEqual(self.url_open("/my/points").status_code, 200)

    # ------------------------------------------------------------------ /my/points
    def test_points_page(self):
        """/my/points: available and worth, pending with its date, the next
        expiries, the description, the rewards (affordable marked), the history
        and the breadcrumb."""
        self.authenticate("lp_portal_a", "lp_portal_a")
        tree = self._page("/my/points")
        self.assertEqual(
            self._texts(tree, "o_loyalty_points_available_points"), ["800"]
        )
        self.assertIn("8.00", self._texts(tree, "o_loyalty_points_value")[0])
        self.assertEqual(self._texts(tree, "o_loyalty_points_pending_points"), ["100"])
        (pending,) = self._texts(tree, "o_loyalty_points_pending_lot")
        self.assertTrue(pending.startswith("100 available from "), pending)
        expiring = self._texts(tree, "o_loyalty_points_expiring_lot")
        self.assertEqual(
            [text.split(" points on ")[0] for text in expiring], ["300", "500", "100"]
        )
        self.assertIn(
            "Earn 2 points per euro",
            self._texts(tree, "o_loyalty_points_description")[0],
        )
        rewards = self._find(tree, "o_loyalty_points_reward")
        self.assertEqual(len(rewards), 2)
        self.assertIn("Free coffee", rewards[0].text_content())
        self.assertIn("o_loyalty_points_affordable", rewards[0].get("class"))
        self.assertNotIn("o_loyalty_points_affordable", rewards[1].get("class"))
        self.assertEqual(
            self._texts(tree, "o_loyalty_points_reward_cost"), ["200", "5,000"]
        )
        self.assertEqual(
            sorted(self._texts(tree, "o_loyalty_points_points")),
            ["+100", "+300", "+500"],
        )
        self.assertEqual(self._texts(tree, "o_loyalty_points_kind"), ["Adjustment"] * 3)
        self.assertIn(
            "Your Points",
            " ".join(self._texts(tree, "breadcrumb-item")),
        )

    def test_every_centre_adds_up(self):
        """Points of another centre of the program show in the history, with the
        centre's name, and the history adds up to the balance."""
        self.authenticate("lp_portal_a", "lp_portal_a")
        tree = self._page("/my/points")
        self.assertIn("Centre Two", self._texts(tree, "o_loyalty_points_centre"))
        total = sum(
            float(text.replace(",", ""))
            for text in self._texts(tree, "o_loyalty_points_points")
        )
        self.assertEqual(total, self.customer.loyalty_points_balance)
        self.assertEqual(total, 900)

    def test_pager(self):
        """The history pages by 20: 25 entries make two pages."""
        for index in range(24):
            self._give(self.customer_b, 1, reason=f"Visit {index}")
        self.authenticate("lp_portal_b", "lp_portal_b")
        tree = self._page("/my/points")
        self.assertEqual(len(self._find(tree, "o_loyalty_points_entry")), 20)
        self.assertTrue(tree.xpath("//a[contains(@href, '/my/points/page/2')]"))
        tree = self._page("/my/points/page/2")
        self.assertEqual(len(self._find(tree, "o_loyalty_points_entry")), 5)

    def test_own_points_only(self):
        """Customer B sees B's points and entries, none of A's."""
        self.authenticate("lp_portal_b", "lp_portal_b")
        tree = self._page("/my/points")
        self.assertEqual(self._texts(tree, "o_loyalty_points_available_points"), ["70"])
        page = tree.text_content()
        self.assertIn("B gift", page)
        for reason in ("Welcome gift", "Centre gift", "Recent visit"):
            self.assertNotIn(reason, page)

    def test_spanish(self):
        """A customer whose language is Spanish reads the page, and the
        program's description, in Spanish; the card too, right after the same
        points were shown in English (the card's sentence is kept per
        language)."""
        self.authenticate("lp_portal_a", "lp_portal_a")
        tree = self._page("/my")
        self.assertIn("points available", " ".join(tree.text_content().split()))
        self.env["res.lang"]._activate_lang("es_ES")
        self.env["ir.module.module"].search(
            [("name", "in", ("loyalty_points", "loyalty_points_portal"))]
        )._update_translations(["es_ES"], overwrite=True)
        self.portal_a.lang = "es_ES"
        self.program.with_context(
            lang="es_ES"
        ).description = "<p>Gane 2 puntos por euro en cada centro.</p>"
        self.authenticate("lp_portal_a", "lp_portal_a")
        tree = self._page("/my/points")
        page = " ".join(tree.text_content().split())
        self.assertIn("Puntos disponibles", page)
        self.assertIn(
            "Gane 2 puntos por euro",
            self._texts(tree, "o_loyalty_points_description")[0],
        )
        self.assertIn("Ajuste", self._texts(tree, "o_loyalty_points_kind"))
        tree = self._page("/my")
        self.assertIn("puntos disponibles", " ".join(tree.text_content().split()))

    # ------------------------------------------------------------------ tour
    def test_points_page_phone_tour(self):
        """In Chromium at phone width, /my/points shows the balance, the pending
        points, the rewards and the history; reading it writes nothing."""
        entries = self.env["loyalty.points.entry"].search_count([])
        self.start_tour(
            "/my/points", "loyalty_points_portal_page_tour", login="lp_portal_a"
        )
        self.assertEqual(self.env["loyalty.points.entry"].search_count([]), entries)
        self.assertEqual(self.customer.loyalty_points_available, 800)
