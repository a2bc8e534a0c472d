# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tools import float_is_zero, formatLang


def format_points(env, points):
    """``points`` as the language of ``env`` writes numbers, the one way points are
    printed (chatter, e-mails, messages; the ``loyalty_points`` field widget does
    the same on screen): whole points without decimals, which is every amount of
    a program that rounds to whole points, others at the points precision."""
    precision = env["decimal.precision"].precision_get("Loyalty Points")
    whole = float_is_zero(points - round(points), precision_digits=precision)
    return formatLang(env, points, digits=0 if whole else precision)
