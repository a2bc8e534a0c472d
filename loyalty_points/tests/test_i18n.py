# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import TransactionCase, tagged
from odoo.tools import format_amount

from ..tools import format_money


@tagged("post_install", "-at_install")
class TestSpanish(TransactionCase):
    def test_spanish_terms_load(self):
        """The Spanish translation loads: menus, fields and selections speak Spanish."""
        self.env["res.lang"]._activate_lang("es_ES")
        self.env["ir.module.module"].search(
            [("name", "in", ("loyalty_points", "loyalty_points_pos"))]
        )._update_translations(["es_ES"], overwrite=True)
        env = self.env(context={"lang": "es_ES"})
        action = env.ref("loyalty_points.loyalty_points_entry_action")
        self.assertEqual(action.name, "Registro de puntos de fidelidad")
        fields = env["res.partner"].fields_get(["loyalty_points_available"])
        self.assertEqual(
            fields["loyalty_points_available"]["string"], "Puntos disponibles"
        )
        kinds = dict(
            env["loyalty.points.entry"]._fields["kind"]._description_selection(env)
        )
        self.assertEqual(
            [kinds[kind] for kind in ("referral", "grant", "refund", "reverse")],
            ["Referido", "Otorgado", "Reembolso", "Reversión"],
        )


@tagged("post_install", "-at_install")
class TestFormats(TransactionCase):
    def test_format_money_as_format_amount(self):
        """format_money writes an amount as Odoo's format_amount does, from the
        currencies in Odoo's cache and without reading the currency; a currency
        the cache lacks (archived) is read."""
        self.env["res.lang"]._activate_lang("es_ES")
        euro, dollar = self.env.ref("base.EUR"), self.env.ref("base.USD")
        (euro | dollar).active = True
        for lang in ("en_US", "es_ES"):
            env = self.env(context={"lang": lang})
            for currency in (euro, dollar):
                currency = currency.with_env(env)
                for amount in (0.0, 8.0, 1234567.891, -12.345, 0.005):
                    with self.subTest(lang=lang, currency=currency.name, amount=amount):
                        self.assertEqual(
                            format_money(env, amount, currency.id),
                            format_amount(env, amount, currency),
                        )
        env = self.env(context={"lang": "en_US"})  # a request's language
        format_money(env, 8.0, euro.id)
        env.invalidate_all()
        with self.assertQueryCount(0):
            self.assertEqual(format_money(env, 8.0, euro.id), "8.00\xa0€")
        euro.symbol = "EUR"
        self.assertEqual(format_money(self.env, 8.0, euro.id), "8.00\xa0EUR")
        pound = self.env.ref("base.GBP")
        pound.active = False
        self.assertEqual(
            format_money(self.env, 8.0, pound.id), format_amount(self.env, 8.0, pound)
        )
