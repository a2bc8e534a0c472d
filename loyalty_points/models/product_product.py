# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models, tools
from odoo.tools import SQL

LOYALTY_FIELDS = ("loyalty_points_rule", "loyalty_points_rate", "loyalty_points_fixed")


class ProductProduct(models.Model):
    _inherit = "product.product"

    def write(self, vals):
        # A variant writes its template's fields one at a time, so the rule would be
        # checked before its rate arrives: give them to the template together.
        loyalty = {field: vals.pop(field) for field in LOYALTY_FIELDS if field in vals}
        if loyalty:
            self.product_tmpl_id.write(loyalty)
        if "product_tmpl_id" in vals:
            self.env.registry.clear_cache()  # _loyalty_points_rule_of
        return super().write(vals)

    def _loyalty_points_rule(self):
        """(rule, rate, fixed) that applies to this product."""
        self.ensure_one()
        return self._loyalty_points_rule_of(self.id)

    @api.model
    @tools.ormcache("product_id")
    def _loyalty_points_rule_of(self, product_id):
        """(rule, rate, fixed) of a product: its template's rule, else its
        category's, else the nearest parent category's that has one; a product
        whose categories all follow their parent is eligible.

        Every paid invoice asks it and it changes seldom: it is kept in the
        registry's cache, which a change of a rule, of a product's category or of
        a category's parent clears (``loyalty.points.rule.mixin``)."""
        self.env["product.product"].flush_model(["product_tmpl_id"])
        self.env["product.template"].flush_model([*LOYALTY_FIELDS, "categ_id"])
        self.env["product.category"].flush_model([*LOYALTY_FIELDS, "parent_id"])
        rows = self.env.execute_query(
            SQL(
                """
                WITH RECURSIVE chain AS (
                    SELECT t.loyalty_points_rule AS rule,
                           t.loyalty_points_rate AS rate,
                           t.loyalty_points_fixed AS fixed,
                           t.categ_id AS next_id, 0 AS depth
                      FROM product_product p
                      JOIN product_template t ON t.id = p.product_tmpl_id
                     WHERE p.id = %s
                    UNION ALL
                    SELECT c.loyalty_points_rule, c.loyalty_points_rate,
                           c.loyalty_points_fixed, c.parent_id, chain.depth + 1
                      FROM chain
                      JOIN product_category c ON c.id = chain.next_id
                     WHERE chain.rule IN ('category', 'parent')
                )
                SELECT rule, rate, fixed FROM chain ORDER BY depth DESC LIMIT 1
                """,
                product_id,
            )
        )
        if not rows or rows[0][0] in ("category", "parent"):
            return ("eligible", 0.0, 0.0)
        rule, rate, fixed = rows[0]
        return (rule, float(rate or 0.0), float(fixed or 0.0))
