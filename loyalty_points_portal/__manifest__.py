# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Loyalty Points in the Customer Portal",
    "summary": "Customers see their points balance, pending points, expiry and "
    "history, and pay an invoice with points",
    "version": "18.0.1.0.0",
    "category": "Sales/Loyalty",
    "website": "https://github.com/loyalty-points/loyalty-points",
    "author": "Loyalty Points contributors",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["loyalty_points", "portal", "account"],
    "data": [
        "security/ir.model.access.csv",
        "security/loyalty_points_portal_security.xml",
        "views/loyalty_points_portal_templates.xml",
    ],
    "demo": ["demo/loyalty_points_portal_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "loyalty_points_portal/static/tests/tours/*.js",
        ],
    },
}
