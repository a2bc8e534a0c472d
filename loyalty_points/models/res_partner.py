# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.tools import SQL, float_compare, format_amount, format_date
from odoo.tools.lru import LRU

from ..tools import format_points

OPERATORS = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


# Customers whose amounts a worker keeps (``_loyalty_points_amounts_now``).
AMOUNTS_CACHE_SIZE = 8192


def _amounts_cache(registry):
    """The worker's cache of amounts of ``registry``'s database:
    {(program id, partner id): ((xmin, version), valid until, amounts)}."""
    cache = getattr(registry, "_loyalty_points_amounts_cache", None)
    if cache is None:
        cache = registry._loyalty_points_amounts_cache = LRU(AMOUNTS_CACHE_SIZE)
    return cache


STATEMENT_TEMPLATE = "loyalty_points.mail_template_loyalty_points_statement"
USER_GROUP = "loyalty_points.group_loyalty_points_user"
MANAGER_GROUP = "loyalty_points.group_loyalty_points_manager"


class ResPartner(models.Model):
    # One file per concern: the model is split by what each part does.
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    loyalty_points_enrolled = fields.Boolean(
        string="Enrolled in Loyalty Program",
        help="When the program earns only for enrolled customers, tick this to let "
        "the customer earn points.",
        tracking=True,
    )
    loyalty_points_balance = fields.Float(
        string="Points Balance",
        digits="Loyalty Points",
        compute="_compute_loyalty_points",
        search="_search_loyalty_points_balance",
        compute_sudo=True,
        help="Every posted point of the customer in the current company's program.",
    )
    loyalty_points_pending = fields.Float(
        string="Pending Points",
        digits="Loyalty Points",
        compute="_compute_loyalty_points",
        search="_search_loyalty_points_pending",
        compute_sudo=True,
        help="Points earned but not yet available (pending period).",
    )
    loyalty_points_available = fields.Float(
        string="Available Points",
        digits="Loyalty Points",
        compute="_compute_loyalty_points",
        search="_search_loyalty_points_available",
        compute_sudo=True,
        help="Points the customer can spend now.",
    )
    loyalty_points_value = fields.Monetary(
        string="Points Worth",
        compute="_compute_loyalty_points",
        search="_search_loyalty_points_value",
        currency_field="loyalty_points_currency_id",
        compute_sudo=True,
        help="What the available points are worth, in the program's currency.",
    )
    loyalty_points_currency_id = fields.Many2one(
        "res.currency", compute="_compute_loyalty_points", compute_sudo=True
    )

    # ------------------------------------------------------------------ balances
    def _loyalty_points_rows(self, program):
        """{partner id: (commercial partner id, balance, pending, available)} for
        the partners of ``self`` in the database, each with the points of its
        commercial entity in ``program`` (``loyalty.points.entry._amounts_sql``:
        the one rule of what can be spent, shared by every reader and every
        check), with which commercial entity that is.

        One small query reads the partners' balance rows, and for most of them
        that is all: with no lot pending nor past its date unwritten
        (``_amounts_plain_sql``), the rule gives the balance. The rule's query
        runs only for the others (a till's start reads 100 customers; the list
        of customers, 80). Reading ``commercial_partner_id`` through the ORM
        instead would fetch the partner's whole row, a query and most of the
        cost of a balance read."""
        partners = self.browse(sorted(set(self.ids)))
        if not partners or not program:
            return {}
        partners.flush_recordset(["commercial_partner_id"])
        Entry = self.env["loyalty.points.entry"]
        Entry.flush_model()
        self.env["loyalty.points.allocation"].flush_model()
        now = fields.Datetime.now()
        plain = Entry._amounts_plain_sql(program, now)
        # Which commercial entity each partner is: from the ORM's cache when it
        # holds them all (a till's start has just read its customers), so that
        # the query reads the balance rows alone, by their key; else read by
        # the same query. A partner without a row has no points.
        cached = list(
            self.env.cache.get_until_miss(
                partners, self._fields["commercial_partner_id"]
            )
        )
        if len(cached) == len(partners):
            balances = {
                commercial_id: (points, is_plain)
                for commercial_id, points, is_plain in self.env.execute_query(
                    SQL(
                        """SELECT b.partner_id, b.points, %s
                             FROM loyalty_points_balance b
                            WHERE b.program_id = %s AND b.partner_id = ANY(%s)""",
                        plain,
                        program.id,
                        sorted(set(cached)),
                    )
                )
            }
            rows = [
                (partner_id, commercial_id, *balances.get(commercial_id, (0.0, True)))
                for partner_id, commercial_id in zip(partners.ids, cached, strict=True)
            ]
        else:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT p.id, p.commercial_partner_id, COALESCE(b.points, 0),
                           b.partner_id IS NULL OR %s
                      FROM res_partner p
                      LEFT JOIN loyalty_points_balance b
                             ON b.partner_id = p.commercial_partner_id
                            AND b.program_id = %s
                     WHERE p.id = ANY(%s)
                    """,
                    plain,
                    program.id,
                    partners.ids,
                )
            )
        ruled = sorted({row[1] for row in rows if not row[3]})
        amounts = {}
        if ruled:
            balance, pending, available = Entry._amounts_sql(
                SQL("b.partner_id"), SQL("b.program_id"), now
            )
            amounts = {
                commercial_id: figures
                for commercial_id, *figures in self.env.execute_query(
                    SQL(
                        """
                        SELECT b.partner_id, %s, %s, %s
                          FROM loyalty_points_balance b
                         WHERE b.program_id = %s AND b.partner_id = ANY(%s)
                        """,
                        balance,
                        pending,
                        available,
                        program.id,
                        ruled,
                    )
                )
            }
        result = {}
        for partner_id, commercial_id, balance, plain in rows:
            balance, pending, available = (
                (balance, 0.0, balance) if plain else amounts[commercial_id]
            )
            result[partner_id] = (
                commercial_id,
                float(balance),
                float(pending),
                float(available),
            )
        return result

    def _loyalty_points_amounts(self, program):
        """{commercial partner id: (balance, pending, available)} for the
        commercial entities of ``self`` in ``program`` (``_loyalty_points_rows``)."""
        return {
            commercial_id: tuple(figures)
            for commercial_id, *figures in self._loyalty_points_rows(program).values()
        }

    def _loyalty_points_amounts_now(self, program):
        """(balance, pending, available) of this customer (a commercial entity)
        in ``program``, the same figures as ``_loyalty_points_amounts``, for the
        pages that show them on every visit (the portal's card, an invoice's
        "Pay with points"; a payment checks again under the balance lock): from this
        worker's cache when the customer's balance row is as it was when they
        were read, in one small query; else read, and kept with the moment
        they next change by themselves (a pending lot becomes available, a lot
        passes its expiry date).

        Every change of the customer's ledger changes that row: the balance
        trigger adds to its ``version`` (two changes in one transaction share
        its ``xmin``), and a transaction rolled back leaves an ``xmin`` that no
        row has again. The nightly expiry writes entries too; the spendable
        rule reads nothing else that moves (``_amounts_sql``)."""
        self.ensure_one()
        if not program:
            return (0.0, 0.0, 0.0)
        Entry = self.env["loyalty.points.entry"]
        Entry.flush_model()
        self.env["loyalty.points.allocation"].flush_model()
        now = fields.Datetime.now()
        where = SQL("b.program_id = %s AND b.partner_id = %s", program.id, self.id)
        rows = self.env.execute_query(
            SQL(
                "SELECT b.xmin::text, b.version FROM loyalty_points_balance b WHERE %s",
                where,
            )
        )
        if not rows:
            return (0.0, 0.0, 0.0)
        cache = _amounts_cache(self.env.registry)
        key = (program.id, self.id)
        cached = cache.get(key)
        if cached and cached[0] == tuple(rows[0]) and now < cached[1]:
            return cached[2]
        balance, pending, available = Entry._amounts_sql(
            SQL("b.partner_id"), SQL("b.program_id"), now
        )
        [(xmin, version, *amounts, until)] = self.env.execute_query(
            SQL(
                """
                SELECT b.xmin::text, b.version, %(balance)s, %(pending)s,
                       %(available)s,
                       LEAST(
                           (SELECT MIN(e.available_date) FROM loyalty_points_entry e
                             WHERE e.program_id = b.program_id
                               AND e.partner_id = b.partner_id
                               AND e.points > 0 AND e.available_date > %(now)s),
                           (SELECT MIN(e.expiry_date) + 1 FROM loyalty_points_entry e
                             WHERE e.program_id = b.program_id
                               AND e.partner_id = b.partner_id
                               AND e.points > 0 AND e.expiry_date >= %(today)s))
                  FROM loyalty_points_balance b
                 WHERE %(where)s
                """,
                balance=balance,
                pending=pending,
                available=available,
                now=now,
                today=fields.Date.to_date(now),
                where=where,
            )
        )
        amounts = tuple(float(amount) for amount in amounts)
        # A date (the day after an expiry date, from its start) or a moment.
        until = fields.Datetime.to_datetime(until) if until else datetime.max
        cache[key] = ((xmin, version), until, amounts)
        return amounts

    @api.depends_context("company")
    def _compute_loyalty_points(self):
        program = self.env["loyalty.points.program"]._program_for_company()
        rows = self._loyalty_points_rows(program)
        new = self.filtered(lambda partner: partner._origin.id not in rows)
        if new:  # partners being created (a form): their commercial entity's
            rows.update(new.commercial_partner_id._origin._loyalty_points_rows(program))
        for partner in self:
            _commercial_id, balance, pending, available = (
                rows.get(partner._origin.id)
                or rows.get(partner.commercial_partner_id._origin.id)
                or (False, 0.0, 0.0, 0.0)
            )
            partner.loyalty_points_balance = balance
            partner.loyalty_points_pending = pending
            partner.loyalty_points_available = available
            partner.loyalty_points_value = max(available, 0.0) * program.point_value
            partner.loyalty_points_currency_id = program.currency_id

    # ------------------------------------------------------------------ searches
    def _search_loyalty_points_balance(self, operator, value):
        return self._search_loyalty_points(operator, value, "balance")

    def _search_loyalty_points_pending(self, operator, value):
        return self._search_loyalty_points(operator, value, "pending")

    def _search_loyalty_points_available(self, operator, value):
        return self._search_loyalty_points(operator, value, "available")

    def _search_loyalty_points_value(self, operator, value):
        return self._search_loyalty_points(operator, value, "value")

    def _search_loyalty_points(self, operator, value, amount):
        """Partners whose ``amount`` (balance, pending, available or value) compares
        to ``value``, in one query on the balances kept by the database, with the
        same rule as the read. Partners without any entry count as 0."""
        if operator not in OPERATORS:
            raise UserError(
                _("Loyalty points can be searched with =, !=, <, <=, > or >=.")
            )
        try:
            value = float(value or 0.0)
        except (TypeError, ValueError) as error:
            raise UserError(
                _("Search loyalty points with a number, e.g. 500.")
            ) from error
        zero_matches = OPERATORS[operator](0.0, value)
        # sudo: which program covers the company, and its point value, are not
        # secret; anyone who may search contacts may search them by points.
        program = self.env["loyalty.points.program"].sudo()._program_for_company()
        if not program:
            return [] if zero_matches else [(0, "=", 1)]
        self.env["loyalty.points.entry"].flush_model()
        self.env["loyalty.points.allocation"].flush_model()
        balance, pending, available = self.env["loyalty.points.entry"]._amounts_sql(
            SQL("b.partner_id"), SQL("b.program_id")
        )
        expression = {
            "balance": balance,
            "pending": pending,
            "available": available,
            "value": SQL("%s * GREATEST(%s, 0)", program.point_value, available),
        }[amount]
        # Partners whose amount compares, or, when 0 compares, those whose does not.
        rows = self.env.execute_query(
            SQL(
                "SELECT b.partner_id FROM loyalty_points_balance b "
                "WHERE b.program_id = %s AND %s(%s %s %s)",
                program.id,
                SQL("NOT ") if zero_matches else SQL(""),
                expression,
                SQL(operator if operator != "!=" else "<>"),
                value,
            )
        )
        ids = [row[0] for row in rows]
        return [("commercial_partner_id", "not in" if zero_matches else "in", ids)]

    # ------------------------------------------------------------------ actions
    def _loyalty_points_button_check(self, group, one=True):
        """A button of the customer's form or Action menu, called over RPC as the
        form calls it: refused to users outside ``group`` (whom the form does
        not show it), and, with ``one``, unless it is called on one customer
        (a clear refusal rather than a server error)."""
        if not self.env.user.has_group(group):
            raise AccessError(
                _("Only loyalty points staff can open customers' points.")
                if group == USER_GROUP
                else _("Only loyalty points managers can grant or deduct points.")
            )
        if one and len(self) != 1:
            raise UserError(
                _("Choose one customer: this applies to one customer at a time.")
            )

    def action_view_loyalty_points(self):
        self._loyalty_points_button_check(USER_GROUP)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_points.loyalty_points_entry_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def _loyalty_points_spendable(self, program):
        """Points the customer (its commercial entity) can spend now in
        ``program``: ``loyalty_points_available``, read from the ledger now."""
        partner = self.commercial_partner_id
        partner.ensure_one()
        return partner._loyalty_points_amounts(program).get(
            partner.id, (0.0, 0.0, 0.0)
        )[2]

    def _loyalty_points_has_balance(self, program, points):
        """True when the customer's spendable points cover ``points``."""
        precision = self.env["decimal.precision"].precision_get("Loyalty Points")
        spendable = self._loyalty_points_spendable(program)
        return float_compare(spendable, points, precision_digits=precision) >= 0

    def action_loyalty_points_adjust(self):
        """The grant-or-deduct wizard for this customer (its commercial entity)."""
        self._loyalty_points_button_check(MANAGER_GROUP)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_points.loyalty_points_adjust_wizard_action"
        )
        action["context"] = {
            "default_partner_id": self.commercial_partner_id.id,
        }
        return action

    # ------------------------------------------------------------------ formatting
    @api.model
    def _loyalty_points_format(self, points):
        """``points`` printed the one way points are printed (for templates)."""
        return format_points(self.env, points)

    # ------------------------------------------------------------------ templates
    def _loyalty_points_summary(self):
        """One line for any mail template, e.g. "1,250 points (12.50 €) available":
        ``{{ object.partner_id._loyalty_points_summary() }}``. Empty when no
        program covers the current company."""
        self.ensure_one()
        values = self._loyalty_points_statement_values(lots=0)
        if not values:
            return ""
        return _(
            "%(points)s points (%(value)s) available",
            points=values["available_text"],
            value=values["value_text"],
        )

    def _loyalty_points_statement_values(self, lots=3):
        """What a points statement prints for the customer (its commercial entity)
        in the program of the current company: balance, pending, available and
        their worth, raw and formatted, and the next ``lots`` expiry dates with
        the points that expire then. Read from the ledger now, not from the
        cache. Empty when no program covers the current company."""
        self.ensure_one()
        # sudo: a statement prints the program's name and point value for
        # whoever renders it (a mail template renders as its sender).
        program = self.env["loyalty.points.program"].sudo()._program_for_company()
        if not program:
            return {}
        partner = self.commercial_partner_id
        balance, pending, available = partner._loyalty_points_amounts(program).get(
            partner.id, (0.0, 0.0, 0.0)
        )
        value = max(available, 0.0) * program.point_value
        expiring = partner._loyalty_points_expiring(program, limit=lots) if lots else []
        return {
            "program": program,
            "balance": balance,
            "pending": pending,
            "available": available,
            "value": value,
            "balance_text": self._loyalty_points_format(balance),
            "pending_text": self._loyalty_points_format(pending),
            "available_text": self._loyalty_points_format(available),
            "value_text": format_amount(self.env, value, program.currency_id),
            "expiring": [
                {
                    "date": date,
                    "points": points,
                    "date_text": format_date(self.env, date),
                    "points_text": self._loyalty_points_format(points),
                }
                for date, points in expiring
            ],
        }

    def _loyalty_points_expiring(self, program, limit=3):
        """[(expiry date, points)] of the customer's next ``limit`` expiry dates,
        soonest first: what is left of the lots that expire on each day, from
        today on. One query."""
        return self._loyalty_points_lots_by_date(
            program,
            SQL(
                "e.expiry_date >= %s", self.env["loyalty.points.entry"]._ledger_today()
            ),
            "expiry_date",
            limit,
        )

    def _loyalty_points_pending_lots(self, program, limit=None):
        """[(available datetime, points)] of the customer's points not yet
        available in ``program``, soonest first: what is left of each lot still
        in its pending period, summed per moment. One query."""
        return self._loyalty_points_lots_by_date(
            program,
            SQL("e.available_date > %s", fields.Datetime.now()),
            "available_date",
            limit,
        )

    def _loyalty_points_lots_by_date(self, program, condition, column, limit):
        """[(date, points)] of what is left of the customer's lots in ``program``
        that meet ``condition`` (SQL over the entry ``e``), summed by their date
        ``column`` (``expiry_date``, ``available_date``), soonest first, at most
        ``limit`` dates (None: all).

        A lot never gives more than it holds, so the days are summed over every
        lot, spent ones included (they add 0), in the order of the index on the
        date: the next few expiries of a customer with a long history are read
        from the first lots of the index, not from all of them."""
        self.ensure_one()
        self.env["loyalty.points.entry"].flush_model()
        self.env["loyalty.points.allocation"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT %(column)s AS day, SUM(%(left)s)
                  FROM loyalty_points_entry e
                 WHERE e.partner_id = %(partner)s
                   AND e.program_id = %(program)s
                   AND e.points > 0
                   AND %(condition)s
                 GROUP BY day
                HAVING SUM(%(left)s) > 0
                 ORDER BY day
                 LIMIT %(limit)s
                """,
                left=self.env["loyalty.points.entry"]._lot_left_sql(),
                column=SQL.identifier("e", column),
                partner=self.commercial_partner_id.id,
                program=program.id,
                condition=condition,
                limit=limit,
            )
        )
        return [(day, float(points)) for day, points in rows]

    # ------------------------------------------------------------------ actions
    def action_loyalty_points_send_statement(self):
        """The mail composer with the points statement: one customer in comment
        mode (the statement is kept in its chatter), several in mass mode (one
        e-mail each, rendered for each customer)."""
        self._loyalty_points_button_check(USER_GROUP, one=False)
        if not self:
            raise UserError(_("Select the customers to send a points statement to."))
        # The customers must exist and be readable (another company's: refused)
        # before the composer is opened for them.
        self.check_access("read")
        if len(self.exists()) != len(self):
            raise MissingError(_("Some of these customers were deleted: reload."))
        template = self.env.ref(STATEMENT_TEMPLATE)
        return {
            "type": "ir.actions.act_window",
            "name": _("Send Points Statement"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment"
                if len(self) == 1
                else "mass_mail",
                "default_email_layout_xmlid": "mail.mail_notification_light",
            },
        }
