# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import TransactionCase, tagged


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
