# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).


def post_init_hook(env):
    """Companies already set up for loyalty points get their "Loyalty Points"
    payment method when the addon is installed."""
    companies = env["res.company"].search([("loyalty_points_journal_id", "!=", False)])
    companies._loyalty_points_pos_method()
