"""The README's screenshots, taken by ``./dev screenshots`` into ``docs/``.

Each test runs a tour in headless Chromium whose last step waits for what the
picture must show, then captures the page (``Page.captureScreenshot``) at the
browser's fixed size (HttpCase's ``browser_size``) into ``docs/``. The file name
does not match pytest's ``python_files``, so ``./dev test`` never collects it: only
``./dev screenshots`` names it.
"""

import base64
import pathlib
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase

from odoo.addons.loyalty_points_portal.tests.common import PortalCommon
from odoo.addons.loyalty_points_pos.tests.common import LoyaltyPointsTourCommon

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"

# Settles the page before the capture: web fonts loaded, two frames painted, no
# caret blinking in a focused field.
SETTLE_JS = """
    document.activeElement && document.activeElement.blur();
    document.fonts.ready.then(
        () => new Promise((resolve) =>
            requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))))
    )
"""


class ScreenshotCase:
    """A tour whose success is followed by a capture of the page into docs/."""

    # Odoo tags only classes under odoo.addons; these live outside.
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_screenshots"
    browser_size = "1366x768"
    # The whole page, as tall as its content, instead of the window only.
    screenshot_full_page = False
    _shot = None

    def _screenshot(self, name, start_tour):
        """Run the tour that ``start_tour()`` starts and write ``docs/<name>`` once
        it succeeded (a failed tour leaves the former picture as it was)."""
        self._shot = {
            "path": DOCS / name,
            "full_page": self.screenshot_full_page,
            "written": False,
        }
        try:
            start_tour()
            self.assertTrue(self._shot["written"], f"no screenshot for {name}")
        finally:
            self._shot = None

    def authenticate(self, user, password, browser=None):
        # browser_js hands its ChromeBrowser here before it runs the tour: wrap its
        # wait for the tour's success so that the capture follows it, before the
        # browser is stopped. A failed tour raises first and writes nothing.
        if browser is not None and self._shot:
            self._capture_after_tour(browser, self._shot)
        return super().authenticate(user, password, browser=browser)

    @staticmethod
    def _capture_after_tour(browser, shot):
        wait_code_ok = browser._wait_code_ok

        def wait_then_capture(*args, **kwargs):
            wait_code_ok(*args, **kwargs)
            browser._websocket_request(
                "Runtime.evaluate",
                params={"expression": SETTLE_JS, "awaitPromise": True},
                timeout=30,
            )
            params = {"format": "png"}
            if shot["full_page"]:
                metrics = browser._websocket_request("Page.getLayoutMetrics")
                size = metrics["cssContentSize"]
                params["captureBeyondViewport"] = True
                params["clip"] = {
                    "x": 0,
                    "y": 0,
                    "width": size["width"],
                    "height": size["height"],
                    "scale": 1,
                }
            png = browser._websocket_request(
                "Page.captureScreenshot", params=params, timeout=30
            )
            DOCS.mkdir(exist_ok=True)
            shot["path"].write_bytes(base64.b64decode(png["data"], validate=True))
            shot["written"] = True

        browser._wait_code_ok = wait_then_capture


class TestScreenshotPartnerForm(ScreenshotCase, HttpCase):
    def test_partner_form(self):
        """docs/partner_form.png: a demo customer's form as a loyalty manager, its
        points on the smart button and the Loyalty tab open (Lukas: his welcome
        points are available, today's ticket's are pending)."""
        lukas = self.env.ref("loyalty_points.res_partner_demo_lukas")
        self.assertTrue(
            self.env.ref("base.user_admin").has_group(
                "loyalty_points.group_loyalty_points_manager"
            )
        )
        self.assertGreater(lukas.loyalty_points_available, 0)
        self.assertGreater(lukas.loyalty_points_pending, 0)
        entries = self.env["loyalty.points.entry"].search_count([])
        self._screenshot(
            "partner_form.png",
            lambda: self.start_tour(
                f"/odoo/action-account.res_partner_action_customer/{lukas.id}",
                "loyalty_points_screenshot_partner_tour",
                login="admin",
            ),
        )
        self.assertEqual(self.env["loyalty.points.entry"].search_count([]), entries)


class TestScreenshotPosPayment(ScreenshotCase, LoyaltyPointsTourCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.main_pos_config.company_id
        cls.program = cls._loyalty_points_program(name="Points Club")
        cls.main_pos_config.payment_method_ids |= company._loyalty_points_pos_method()
        # The till loads the first customers by name: this one comes first.
        cls.customer = cls.env["res.partner"].create({"name": "Aaron Berger"})
        cls._loyalty_points_haircut()
        cls._loyalty_points_grant(cls.customer, 3000)

    def test_pos_payment(self):
        """docs/pos_payment.png: the payment screen as a cashier, the customer
        chosen, their points shown below the total and paying 30.00 of 50.00."""
        self._screenshot(
            "pos_payment.png",
            lambda: self.start_pos_tour("loyalty_points_pos_screenshot_tour"),
        )
        # The order was left on the payment screen: nothing was redeemed.
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.loyalty_points_available, 3000)


class TestScreenshotPortalPoints(ScreenshotCase, PortalCommon):
    screenshot_full_page = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.name = "Points Club"
        cls.program.description = (
            "<p>Earn 2 points for every dollar you spend at our clinics, and pay "
            "your next visit with them.</p>"
        )
        cls.customer.name = "Berger Family"
        cls.contact.name = "Anna Berger"
        cls.env.company.name = "Main Street Clinic"
        cls.centre_2.name = "Lakeside Clinic"
        # A ticket's points wait a day before they can be spent.
        cls.program.pending_hours = 24
        now = fields.Datetime.now()
        cls._give(
            cls.customer,
            500,
            reason="Welcome gift",
            days=300,
            date=now - timedelta(days=60),
        )
        cls._give(
            cls.customer,
            300,
            company=cls.centre_2,
            reason="Goodwill: waited for her appointment",
            days=45,
            date=now - timedelta(days=20),
        )
        # Today's ticket: 60.00 paid earns 120 points, pending until tomorrow.
        cls._pay(cls._invoice([60.0]))
        Reward = cls.env["loyalty.points.reward"]
        Reward.create(
            {
                "name": "Free nail trim",
                "program_id": cls.program.id,
                "points_cost": 200,
                "description": "A nail trim for your pet at your next visit.",
            }
        )
        Reward.create(
            {
                "name": "Dental care kit",
                "program_id": cls.program.id,
                "points_cost": 1500,
            }
        )

    def test_portal_points(self):
        """docs/portal_points.png: /my/points as the portal customer, with the
        available, pending and expiring points, the rewards and the history."""
        entries = self.env["loyalty.points.entry"].search_count([])
        self._screenshot(
            "portal_points.png",
            lambda: self.start_tour(
                "/my/points",
                "loyalty_points_portal_screenshot_tour",
                login="lp_portal_a",
            ),
        )
        self.assertEqual(self.env["loyalty.points.entry"].search_count([]), entries)
        self.assertEqual(self.customer.loyalty_points_available, 800)
