# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Loyalty Points in the Customer Portal",
    "summary": "Customers see their points balance, pending points, expiry and history",
    "version": "18.0.1.0.0",
    "category": "Sales/Loyalty",
    "website": "https://github.com/loyalty-points/loyalty-points",
    "author": "Loyalty Points contributors",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["loyalty_points", "portal"],
    "data": [],
    "assets": {
        "web.assets_tests": [
            "loyalty_points_portal/static/tests/tours/*.js",
        ],
    },
}
