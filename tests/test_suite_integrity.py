"""Cross-addon checks that hold for the whole suite."""

import configparser
import fnmatch
import pathlib
import re

from odoo.tests import TransactionCase

ADDONS = ("loyalty_points", "loyalty_points_pos", "loyalty_points_portal")
ROOT = pathlib.Path(__file__).resolve().parents[1]


class TestSuiteIntegrity(TransactionCase):
    # Odoo tags only classes under odoo.addons; these cross-addon tests live outside.
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    def test_all_addons_installed(self):
        """The three addons are installed in the test database."""
        modules = self.env["ir.module.module"].search([("name", "in", ADDONS)])
        self.assertEqual(
            dict.fromkeys(ADDONS, "installed"), {m.name: m.state for m in modules}
        )

    def _own_models(self):
        """The models the addons define (not those they extend)."""
        return (
            self.env["ir.model"]
            .search([("model", "=like", "loyalty.points.%")])
            .filtered(lambda m: not self.env[m.model]._abstract)
        )

    def test_every_model_has_access_rules(self):
        """Every model that the addons define has at least one access rule."""
        models = self._own_models()
        self.assertTrue(models, "the addons define no model")
        for model in models:
            self.assertTrue(model.access_ids, f"{model.model} has no access rule")

    def test_every_multi_company_model_has_a_record_rule(self):
        """Every model of ours with a company field has a multi-company record rule."""
        for model in self._own_models().filtered(lambda m: not m.transient):
            fields = self.env[model.model]._fields
            if "company_id" in fields or "company_ids" in fields:
                rules = self.env["ir.rule"].search([("model_id", "=", model.id)])
                self.assertTrue(
                    any("company_ids" in (r.domain_force or "") for r in rules),
                    f"{model.model} has no multi-company record rule",
                )

    def test_readme_images_are_the_screenshots(self):
        """The README shows exactly the screenshots in docs/, each of them there and
        small enough for a repository."""
        readme = (ROOT / "README.rst").read_text(encoding="utf-8")
        images = re.findall(r"^\.\. image:: (\S+)$", readme, re.MULTILINE)
        self.assertEqual(
            sorted(images),
            sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.png")),
        )
        for image in images:
            self.assertLess((ROOT / image).stat().st_size, 300 * 1024, image)

    def test_screenshots_not_collected(self):
        """./dev test never runs the screenshot tours (./dev screenshots does): the
        module's name matches none of pytest's python_files."""
        ini = configparser.ConfigParser()
        ini.read(ROOT / "pytest.ini")
        patterns = ini["pytest"]["python_files"].split()
        module = ROOT / "tests" / "screenshots" / "screenshots.py"
        self.assertTrue(module.is_file())
        self.assertFalse(
            [p for p in patterns if fnmatch.fnmatch(module.name, p)], patterns
        )
