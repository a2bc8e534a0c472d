# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from markupsafe import Markup, escape


def html_sentence(text, **values):
    """``text`` (translated, with ``%(name)s`` placeholders) as HTML, each value
    escaped in a bold span of class ``o_loyalty_points_<name>``: one sentence
    for the translators, whatever order their language puts its words in."""
    return escape(text) % {
        name: Markup('<span class="fw-bold o_loyalty_points_{}">{}</span>').format(
            name, value
        )
        for name, value in values.items()
    }
