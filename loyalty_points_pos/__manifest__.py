# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Loyalty Points in Point of Sale",
    "summary": "Earn points on paid POS orders and pay with points at the counter",
    "version": "18.0.1.1.0",
    "category": "Sales/Point of Sale",
    "website": "https://github.com/loyalty-points/loyalty-points",
    "author": "Loyalty Points contributors",
    "license": "LGPL-3",
    "installable": True,
    "auto_install": False,
    "depends": ["loyalty_points", "point_of_sale"],
    "data": [
        "security/ir.model.access.csv",
        "views/loyalty_points_pos_menus.xml",
        "views/pos_payment_method_views.xml",
        "views/pos_order_views.xml",
    ],
    "post_init_hook": "post_init_hook",
    "assets": {
        "point_of_sale._assets_pos": [
            "loyalty_points_pos/static/src/**/*",
        ],
        "web.assets_tests": [
            "loyalty_points_pos/static/tests/tours/*.js",
        ],
    },
}
