# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models

LOYALTY_FIELDS = ("loyalty_points_rule", "loyalty_points_rate", "loyalty_points_fixed")


class ProductProduct(models.Model):
    _inherit = "product.product"

    def write(self, vals):
        # A variant writes its template's fields one at a time, so the rule would be
        # checked before its rate arrives: give them to the template together.
        loyalty = {field: vals.pop(field) for field in LOYALTY_FIELDS if field in vals}
        if loyalty:
            self.product_tmpl_id.write(loyalty)
        return super().write(vals)
