# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Loyalty Points",
    "summary": "Points programs with an append-only ledger, earned on paid invoices",
    "version": "18.0.1.0.0",
    "category": "Sales/Loyalty",
    "website": "https://github.com/loyalty-points/loyalty-points",
    "author": "Loyalty Points contributors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["account", "product", "mail"],
    "data": [
        "data/decimal_precision.xml",
        "security/loyalty_points_security.xml",
        "security/ir.model.access.csv",
        "views/loyalty_points_program_views.xml",
        "views/loyalty_points_entry_views.xml",
        "views/loyalty_points_menus.xml",
        "wizards/loyalty_points_process_wizard_views.xml",
        "data/ir_cron_backfill.xml",
    ],
    "demo": [
        "demo/loyalty_points_program_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "loyalty_points/static/tests/tours/*.js",
        ],
    },
}
