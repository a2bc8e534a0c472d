# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import math

from odoo.exceptions import ValidationError
from odoo.fields import Command, Date
from odoo.tools import float_is_zero, float_round, format_amount, formatLang
from odoo.tools.misc import get_lang


def format_points(env, points):
    """``points`` as the language of ``env`` writes numbers, the one way points are
    printed (chatter, e-mails, messages; the ``loyalty_points`` field widget does
    the same on screen): whole points without decimals, which is every amount of
    a program that rounds to whole points, others at the points precision."""
    precision = env["decimal.precision"].precision_get("Loyalty Points")
    whole = float_is_zero(points - round(points), precision_digits=precision)
    return formatLang(env, points, digits=0 if whole else precision)


def format_money(env, amount, currency_id):
    """``format_amount(env, amount, currency)`` for the currency of id
    ``currency_id``, from the currencies that Odoo keeps in its cache
    (``ir.http.get_currencies``, cleared when a currency's symbol, position or
    digits change) rather than from the currency's record: no query, for what is
    shown on every request (the portal's card)."""
    currency = env["ir.http"].get_currencies().get(currency_id)
    if currency is None:  # an archived currency is not in the cache
        return format_amount(env, amount, env["res.currency"].browse(currency_id))
    digits = currency["digits"][1]
    lang = env["res.lang"].browse(get_lang(env).id)
    text = (
        lang.format(
            f"%.{digits}f", float_round(amount, precision_digits=digits), grouping=True
        )
        .replace(" ", "\N{NO-BREAK SPACE}")
        .replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
    )
    symbol = currency["symbol"] or ""
    if currency["position"] == "before":
        return f"{symbol}\N{NO-BREAK SPACE}{text}"
    return f"{text}\N{NO-BREAK SPACE}{symbol}"


def points_input(env, value):
    """``value``, a number of points that a form or a script sent, as a float; a
    ValidationError when it is not a number, not finite, or so large that a
    float no longer holds it to the points precision (the ORM would fail on it
    with a server error, or write it)."""
    precision = env["decimal.precision"].precision_get("Loyalty Points")
    limit = 10 ** (15 - precision)
    try:
        points = float(value or 0.0)
    except (TypeError, ValueError):
        raise ValidationError(
            env._(
                "%(value)s is not a number of points: enter a number such as 250 "
                "or -40.",
                value=repr(value),
            )
        ) from None
    if not math.isfinite(points) or abs(points) >= limit:
        raise ValidationError(
            env._(
                "%(value)s points is out of range: enter less than %(limit)s "
                "points either way.",
                value=repr(value),
                limit=format_points(env, limit),
            )
        )
    return points


def record_id_input(env, value, label):
    """``value``, the id of a record that a form or a script sent for the field
    ``label``: an integer or nothing; a ValidationError otherwise (the database
    would fail on it with a server error)."""
    if value in (False, None) or (
        isinstance(value, int) and not isinstance(value, bool)
    ):
        return value
    raise ValidationError(
        env._(
            "%(value)s is not a record for %(field)s: choose one in the list.",
            value=repr(value),
            field=label,
        )
    )


def wizard_input(model, vals, create=False):
    """``vals`` for ``model`` (a wizard) with its points as floats, after the
    checks that keep what the ORM or the database would fail on with a server
    error (and an ERROR in the log) a clear refusal: points that are not a
    number, ids that are not ids or of no record, dates that are not dates,
    and, on ``create``, a required field left out."""
    env = model.env
    vals = dict(vals)
    for name, value in vals.items():
        field = model._fields.get(name)
        if field is None:
            continue
        ids = []
        if field.type == "float" and field._digits == "Loyalty Points":
            vals[name] = points_input(env, value)
        elif field.type == "many2one":
            ids = [record_id_input(env, value, field.string)]
        elif field.type == "many2many":
            for command in value or ():
                if not isinstance(command, list | tuple) or not command:
                    continue
                if command[0] == Command.SET and len(command) == 3:
                    ids += [record_id_input(env, i, field.string) for i in command[2]]
                elif command[0] == Command.LINK and len(command) >= 2:
                    ids.append(record_id_input(env, command[1], field.string))
        elif field.type == "date" and value:
            try:
                Date.to_date(value)
            except (TypeError, ValueError):
                raise ValidationError(
                    env._(
                        "%(value)s is not a date for %(field)s: enter it as "
                        "2026-12-31.",
                        value=repr(value),
                        field=field.string,
                    )
                ) from None
        ids = [i for i in ids if i]
        # sudo: whether the records exist at all; reading them is checked by
        # the rights of whoever goes on.
        if ids and len(env[field.comodel_name].sudo().browse(ids).exists()) < len(
            set(ids)
        ):
            raise ValidationError(
                env._(
                    "The record chosen for %(field)s does not exist (any more): "
                    "choose another one.",
                    field=field.string,
                )
            )
    if create:
        defaults = model.default_get(
            [n for n, f in model._fields.items() if f.required]
        )
        for name, field in model._fields.items():
            if (
                field.required
                and not field.compute
                and not (vals.get(name) or defaults.get(name))
            ):
                raise ValidationError(env._("Fill in %(field)s.", field=field.string))
    return vals
