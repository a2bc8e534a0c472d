# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _add_missing_products(self, products, config_id, data):
        """The products of the rewards the till offers come with its products,
        even those not sold in the Point of Sale (not listed on its screen)."""
        res = super()._add_missing_products(products, config_id, data)
        config = self.env["pos.config"].browse(config_id)
        rewards = self.env["loyalty.points.reward"]._loyalty_points_pos_rewards(config)
        missing = {reward["product_id"] for reward in rewards} - {
            product["id"] for product in products
        }
        if missing:
            products.extend(
                self._load_product_with_domain([("id", "in", list(missing))], config_id)
            )
            session = data["pos.session"]["data"][0]
            session["_pos_special_products_ids"] += list(missing)
        return res
