# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from contextlib import contextmanager
from datetime import timedelta

from psycopg2.extensions import TransactionRollbackError

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.service.model import (
    MAX_TRIES_ON_CONCURRENCY_FAILURE,
    PG_CONCURRENCY_EXCEPTIONS_TO_RETRY,
)
from odoo.tools import SQL, float_compare, float_is_zero

from ..tools import format_points


def _tried_again(error):
    """Whether Odoo will try the current request again after ``error``, a
    serialization failure of the balance lock: it tries a request
    ``MAX_TRIES_ON_CONCURRENCY_FAILURE`` times (failures are counted on the
    request). Outside a request (a job, a shell), the caller decides: True."""
    if not request or not isinstance(error, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY):
        return True
    failures = getattr(request, "_loyalty_points_lock_failures", 0) + 1
    request._loyalty_points_lock_failures = failures
    return failures < MAX_TRIES_ON_CONCURRENCY_FAILURE


# One meaning per kind (DESIGN.md): readers tell what an entry is from its kind,
# and for a ``reverse``, from the kind of the one entry it undoes.
KINDS = [
    ("earn", "Earned"),
    ("referral", "Referral"),
    ("grant", "Granted"),
    ("adjust", "Adjustment"),
    ("redeem", "Redeemed"),
    ("refund", "Refund"),
    ("expire", "Expired"),
    ("reverse", "Reversal"),
]
# The sign each kind's points may take (0 is allowed where a cumulative spend or
# a reversal moves only the spending an entry accounts for).
POSITIVE_KINDS = ("earn", "referral", "grant", "refund")
NEGATIVE_KINDS = ("redeem", "expire")


_logger = logging.getLogger(__name__)


EXPIRY_LOCK_KEY = 0x4C505F455850  # "LP_EXP"


class LoyaltyPointsEntry(models.Model):
    """One line of the points ledger. Entries are written once and never changed:
    a correction is a new entry. Positive entries are *lots* that carry an available
    date and an expiry date; negative entries consume lots, recorded as
    ``loyalty.points.allocation`` rows (the lots that expire first go first)."""

    _name = "loyalty.points.entry"
    _description = "Loyalty Points Ledger Entry"
    _order = "date desc, id desc"
    # No name of its own: the search box looks in the customer, document, reason.
    _rec_names_search = ["partner_id", "origin", "reason"]

    # Not indexed on its own: every index of the ledger by customer starts with it
    # (see init), and each index more is one more for every insert to update.
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        ondelete="restrict",
        readonly=True,
    )
    program_id = fields.Many2one(
        "loyalty.points.program", required=True, ondelete="restrict", readonly=True
    )
    company_id = fields.Many2one(
        "res.company",
        string="Centre",
        required=True,
        ondelete="restrict",
        readonly=True,
        default=lambda self: self.env.company,
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    points = fields.Float(digits="Loyalty Points", required=True, readonly=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    available_date = fields.Datetime(
        readonly=True, help="When the points of this lot can be spent."
    )
    expiry_date = fields.Date(
        readonly=True, help="The lot can be spent until this day included."
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        index="btree_not_null",
        ondelete="restrict",
        readonly=True,
    )
    move_line_ids = fields.Many2many(
        "account.move.line",
        "loyalty_points_entry_move_line_rel",
        "entry_id",
        "line_id",
        string="Source Lines",
        readonly=True,
    )
    payment_id = fields.Many2one(
        "account.payment",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    origin = fields.Char(
        readonly=True, help="The document that wrote the entry, kept if it is deleted."
    )
    earn_cycle = fields.Integer(
        readonly=True,
        help="How many times the invoice had already earned and been fully reversed "
        "when this entry was written: an invoice earns once per cycle.",
    )
    amount_basis = fields.Float(
        digits=(16, 4),
        readonly=True,
        help="The spending (program currency) that this entry accounts for.",
    )
    reason = fields.Char(readonly=True)
    reversed_entry_id = fields.Many2one(
        "loyalty.points.entry",
        string="Reverses",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="For a reversal: the one entry it undoes (in part or whole).",
    )
    # Indexed by loyalty_points_entry_expired_lot_uniq (see init).
    expired_lot_id = fields.Many2one(
        "loyalty.points.entry",
        readonly=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Recorded By",
        default=lambda self: self.env.user,
        readonly=True,
    )
    currency_id = fields.Many2one(related="program_id.currency_id")
    allocation_ids = fields.One2many(
        "loyalty.points.allocation", "consumer_id", string="Taken From", readonly=True
    )
    lot_allocation_ids = fields.One2many(
        "loyalty.points.allocation", "lot_id", string="Used By", readonly=True
    )
    points_remaining = fields.Float(
        digits="Loyalty Points",
        compute="_compute_points_remaining",
        help="For a lot: what is left of it after spending, deductions and expiry.",
    )

    _sql_constraints = [
        (
            "points_not_zero",
            "CHECK(points <> 0 OR amount_basis <> 0)",
            "A ledger entry cannot be of zero points.",
        ),
        (
            "lot_dates",
            "CHECK(points <= 0 OR available_date IS NOT NULL)",
            "Earned points need an available date.",
        ),
        (
            "reverse_names_entry",
            "CHECK((kind = 'reverse') = (reversed_entry_id IS NOT NULL))",
            "A reversal names the one entry it undoes, and only a reversal does.",
        ),
        (
            "kind_sign",
            "CHECK((kind NOT IN ('earn', 'referral', 'grant', 'refund') OR points >= 0)"
            " AND (kind NOT IN ('redeem', 'expire') OR points <= 0))",
            "Earned, referral, granted and refunded points are positive; redeemed "
            "and expired points are negative.",
        ),
    ]

    def init(self):
        cr = self.env.cr
        # Indexes of earlier versions, dropped on update (Odoo keeps an index its
        # field no longer asks for). The ledger's two were covered by the ones
        # below. Those on Odoo's own tables cost Odoo's queries on them: the
        # planner weighs every index of a table each time it plans a query on it,
        # and Odoo plans every query anew (paying invoices cost PostgreSQL 3%
        # more with these two). What they served is rare: deleting a reward or a
        # customer who referred others (a scan of the table instead).
        for index in (
            "loyalty_points_entry__partner_id_index",
            "loyalty_points_entry__expired_lot_id_index",
            "res_partner__loyalty_points_referred_by_id_index",
            "account_move_line__loyalty_points_reward_id_index",
        ):
            cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(index)))
        # The same invoice earns once per cycle, whatever code path writes it.
        cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS loyalty_points_entry_move_earn_uniq
                ON loyalty_points_entry (program_id, move_id, earn_cycle)
             WHERE kind = 'earn' AND move_id IS NOT NULL
            """
        )
        # A lot expires once.
        cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS loyalty_points_entry_expired_lot_uniq
                ON loyalty_points_entry (expired_lot_id)
             WHERE expired_lot_id IS NOT NULL
            """
        )
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS loyalty_points_entry_partner_program_idx
                ON loyalty_points_entry (partner_id, program_id, available_date)
            """
        )
        # A customer's history, newest first (the ledger's order): the first
        # page of the portal's history and of the customer's smart button reads
        # 20 entries of the index (the id breaks ties, by an incremental sort),
        # not every entry of a long history. Without the id: an index ending in
        # it lured the planner, on a table freshly filled in bulk (a backfill),
        # into scanning all of it for every lookup by id (foreign key checks).
        cr.execute(
            """
            DROP INDEX IF EXISTS loyalty_points_entry_partner_date_idx;
            CREATE INDEX IF NOT EXISTS loyalty_points_entry_partner_day_idx
                ON loyalty_points_entry (partner_id, program_id, date DESC)
            """
        )
        # A customer's lots by expiry date: those past it that the nightly job
        # has not written off yet (the spendable rule, _amounts_sql).
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS loyalty_points_entry_partner_expiry_idx
                ON loyalty_points_entry (partner_id, program_id, expiry_date)
             WHERE points > 0
            """
        )
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS loyalty_points_entry_lot_expiry_idx
                ON loyalty_points_entry (expiry_date) WHERE points > 0
            """
        )
        # Balances per customer and program, kept by the database from the ledger
        # itself; partner_id is not a foreign key, so that Odoo's partner merge
        # (which rewrites or deletes referencing rows) leaves it to the trigger.
        cr.execute(
            """SELECT 1 FROM information_schema.columns
                WHERE table_name = 'loyalty_points_balance'
                  AND column_name = 'pending_until'"""
        )
        had_pending_until = bool(cr.fetchone())
        cr.execute(
            """
            CREATE TABLE IF NOT EXISTS loyalty_points_balance (
                partner_id integer NOT NULL,
                program_id integer NOT NULL,
                points numeric NOT NULL DEFAULT 0,
                PRIMARY KEY (program_id, partner_id)
            );
            -- Counts the row's changes: with the row's xmin, what the cache of
            -- what customers can spend is checked against (two changes in one
            -- transaction share an xmin, not a version).
            ALTER TABLE loyalty_points_balance
                ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 0;
            CREATE INDEX IF NOT EXISTS loyalty_points_balance_points_idx
                ON loyalty_points_balance (program_id, points);
            -- No lot of the row's customer and program becomes available
            -- after this moment (the latest available date of its lots, kept
            -- by the triggers below; a lot that became available earlier is
            -- never pending again): until then some may be pending, after it
            -- none is (_amounts_plain_sql).
            ALTER TABLE loyalty_points_balance
                ADD COLUMN IF NOT EXISTS pending_until timestamp;

            CREATE OR REPLACE FUNCTION loyalty_points_entry_balance_insert()
            RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO loyalty_points_balance AS b
                       (partner_id, program_id, points, pending_until)
                SELECT partner_id, program_id, SUM(points),
                       MAX(available_date) FILTER (WHERE points > 0)
                  FROM new_rows GROUP BY partner_id, program_id
                ON CONFLICT (program_id, partner_id)
                DO UPDATE SET points = b.points + EXCLUDED.points,
                              version = b.version + 1,
                              pending_until = GREATEST(b.pending_until,
                                                       EXCLUDED.pending_until);
                RETURN NULL;
            END $$;

            CREATE OR REPLACE FUNCTION loyalty_points_entry_immutable()
            RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    RAISE EXCEPTION 'loyalty points ledger entries cannot be deleted'
                        USING ERRCODE = 'restrict_violation';
                END IF;
                -- Only a partner merge may move entries, and only their customers
                -- (the customer, the referred customer);
                -- a deleted payment only loses its link (origin keeps its name).
                IF NEW.payment_id IS NOT NULL
                   AND NEW.payment_id IS DISTINCT FROM OLD.payment_id THEN
                    RAISE EXCEPTION 'loyalty points ledger entries cannot be changed'
                        USING ERRCODE = 'restrict_violation';
                END IF;
                IF (to_jsonb(NEW) - 'partner_id' - 'referral_partner_id'
                    - 'payment_id' - 'write_uid' - 'write_date')
                   IS DISTINCT FROM
                   (to_jsonb(OLD) - 'partner_id' - 'referral_partner_id'
                    - 'payment_id' - 'write_uid' - 'write_date') THEN
                    RAISE EXCEPTION 'loyalty points ledger entries cannot be changed'
                        USING ERRCODE = 'restrict_violation';
                END IF;
                IF NEW.partner_id IS DISTINCT FROM OLD.partner_id THEN
                    UPDATE loyalty_points_balance
                       SET points = points - OLD.points, version = version + 1
                     WHERE partner_id = OLD.partner_id AND program_id = OLD.program_id;
                    INSERT INTO loyalty_points_balance AS b
                           (partner_id, program_id, points, pending_until)
                    VALUES (NEW.partner_id, NEW.program_id, NEW.points,
                            CASE WHEN NEW.points > 0 THEN NEW.available_date END)
                    ON CONFLICT (program_id, partner_id)
                    DO UPDATE SET points = b.points + EXCLUDED.points,
                                  version = b.version + 1,
                                  pending_until = GREATEST(b.pending_until,
                                                           EXCLUDED.pending_until);
                END IF;
                RETURN NEW;
            END $$;

            -- A reversal has the opposite sign of the entry it undoes (a CHECK
            -- cannot read that other row).
            CREATE OR REPLACE FUNCTION loyalty_points_entry_reverse_sign()
            RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM loyalty_points_entry r
                            WHERE r.id = NEW.reversed_entry_id
                              AND r.points * NEW.points > 0) THEN
                    RAISE EXCEPTION 'a loyalty points reversal has the opposite sign '
                                    'of the entry it undoes (entry %)',
                                    NEW.reversed_entry_id
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'loyalty_points_entry_reverse_sign';
                END IF;
                RETURN NEW;
            END $$;

            DROP TRIGGER IF EXISTS loyalty_points_entry_reverse_sign
                ON loyalty_points_entry;
            CREATE TRIGGER loyalty_points_entry_reverse_sign
                BEFORE INSERT ON loyalty_points_entry
                FOR EACH ROW WHEN (NEW.kind = 'reverse')
                EXECUTE FUNCTION loyalty_points_entry_reverse_sign();

            DROP TRIGGER IF EXISTS loyalty_points_entry_balance_insert
                ON loyalty_points_entry;
            CREATE TRIGGER loyalty_points_entry_balance_insert
                AFTER INSERT ON loyalty_points_entry
                REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT
                EXECUTE FUNCTION loyalty_points_entry_balance_insert();

            DROP TRIGGER IF EXISTS loyalty_points_entry_immutable
                ON loyalty_points_entry;
            CREATE TRIGGER loyalty_points_entry_immutable
                BEFORE UPDATE OR DELETE ON loyalty_points_entry
                FOR EACH ROW EXECUTE FUNCTION loyalty_points_entry_immutable();
            """
        )
        if not had_pending_until:
            # A database of an earlier version: the lots' latest available
            # date, in one pass over the ledger.
            cr.execute(
                """
                UPDATE loyalty_points_balance b
                   SET pending_until = l.until
                  FROM (SELECT partner_id, program_id, MAX(available_date) AS until
                          FROM loyalty_points_entry
                         WHERE points > 0
                         GROUP BY partner_id, program_id) l
                 WHERE b.partner_id = l.partner_id AND b.program_id = l.program_id
                """
            )

    # ------------------------------------------------------------------ display
    @api.depends("kind", "points", "partner_id")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for entry in self:
            entry.display_name = _(
                "%(kind)s %(points)s (%(partner)s)",
                kind=labels.get(entry.kind, ""),
                points=format_points(self.env, entry.points),
                partner=entry.partner_id.display_name or "",
            )

    def _compute_points_remaining(self):
        taken = self._allocated_points()
        for entry in self:
            entry.points_remaining = (
                entry.points - taken.get(entry.id, 0.0) if entry.points > 0 else 0.0
            )

    def _allocated_points(self):
        """{lot id: points taken from it} for the lots in ``self``."""
        if not self.ids:
            return {}
        rows = self.env.execute_query(
            SQL(
                """SELECT lot_id, SUM(points) FROM loyalty_points_allocation
                    WHERE lot_id IN %s GROUP BY lot_id""",
                tuple(self.ids),
            )
        )
        return {lot_id: float(points) for lot_id, points in rows}

    # ------------------------------------------------------------------ immutability
    def write(self, vals):
        if self:
            raise UserError(
                _(
                    "Loyalty points entries cannot be changed. To correct a balance, "
                    "record a new adjustment."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            _(
                "Loyalty points entries cannot be deleted. To correct a balance, "
                "record a new adjustment."
            )
        )

    # ------------------------------------------------------------------ writing
    @api.model
    def _lock_balances(self, program, partners, amounts=False):
        """Lock the balance rows of ``partners`` in ``program`` for this transaction.

        Every ledger writer that reads the customer's ledger to decide what to write
        (a redemption, a deduction, a reversal) goes through here first; a plain
        earning is locked by the balance trigger when written. A concurrent writer
        that already changed one of these rows makes this transaction fail with a
        serialization error, which Odoo retries: the retry sees the committed
        entries, so two cashiers cannot spend the same points.

        With ``amounts``, returns {partner id: (balance, pending, available)}
        read by the same statement, under the lock (``_amounts_sql``; a partner
        without points is missing): what a redemption checks next."""
        ids = sorted(set(partners.ids))
        if not ids:
            return {}
        with self._refused_on_last_try(
            lambda: self.env._(
                "These points are being used by another payment at this very "
                "moment: nothing was charged. Please try again."
            )
        ):
            rows = self._lock_balance_rows(program, ids, amounts)
        return {
            partner_id: tuple(float(value) for value in values)
            for partner_id, *values in rows
        }

    @contextmanager
    def _refused_on_last_try(self, message):
        """Let a serialization failure of a customer's balance row go up for
        Odoo to try the request again, except on Odoo's last try: many writers
        of this customer at once (a rush of payments) beat this one every time.
        Then ``message()`` tells the user so, instead of a server error; nothing
        is written (the request's transaction is rolled back, and is aborted
        already: the message reads nothing more)."""
        try:
            yield
        except TransactionRollbackError as error:
            if _tried_again(error):
                raise
            raise UserError(message()) from error

    @api.model
    def _lock_balance_rows(self, program, ids, amounts=False):
        # One statement creates the missing rows (new rows are this transaction's
        # alone until it commits) and locks the others, in the order of the
        # partners: no deadlock between writers of several customers. Its
        # serialization failure is expected (and retried): not logged as an error.
        # The amounts are read in the transaction's snapshot, which a concurrent
        # writer of these rows cannot have moved past (it fails the lock).
        if amounts:
            self.flush_model()
            self.env["loyalty.points.allocation"].flush_model()
            columns = SQL(
                "b.partner_id, %s, %s, %s",
                *self._amounts_sql(SQL("b.partner_id"), SQL("b.program_id")),
            )
        else:
            columns = SQL("b.partner_id")
        self.env.cr.execute(
            SQL(
                """WITH missing AS (
                       INSERT INTO loyalty_points_balance
                              (partner_id, program_id, points)
                       SELECT p, %(program)s, 0 FROM unnest(%(ids)s::int[]) p
                        ORDER BY p
                       ON CONFLICT DO NOTHING
                   )
                   SELECT %(columns)s FROM loyalty_points_balance b
                    WHERE b.program_id = %(program)s AND b.partner_id = ANY(%(ids)s)
                    ORDER BY b.partner_id FOR NO KEY UPDATE OF b""",
                program=program.id,
                ids=ids,
                columns=columns,
            ),
            log_exceptions=False,
        )
        return self.env.cr.fetchall() if amounts else []

    def _ticket_vals(self, vals):
        """The fields naming the ticket of this earning, for a reversal of it that
        the change of another ticket (``vals``: that ticket's entry values)
        writes: found with this earning's entries (``_accrual_rows``)."""
        self.ensure_one()
        return {"move_id": self.move_id.id}

    @api.model
    def _accrual_sql(self):
        """SQL condition, over the entry ``e`` and the entry ``r`` it reverses
        (``LEFT JOIN loyalty_points_entry r ON r.id = e.reversed_entry_id``), of
        the entries of tickets' earning: ``earn`` entries and the reversals that
        follow them (a reversal of an earning, and the undoing of such a
        reversal when the ticket's amount goes back up)."""
        return SQL(
            """(e.kind = 'earn'
                OR (e.kind = 'reverse' AND r.kind IN ('earn', 'reverse')))"""
        )

    @api.model
    def _accrual_rows(
        self, column, ids, columns, group_by_document=False, reversals_elsewhere=False
    ):
        """Rows of ``columns`` (SQL over the entry ``e`` and the entry ``r`` it
        reverses) of the entries that the earning of the tickets ``ids`` wrote,
        for any kind of ticket: ``column`` is the entries' field that names it
        (``move_id``, ``pos_order_id``). They are its ``earn`` entries and the
        reversals that follow them (``_accrual_sql``), never the redemptions
        (points payments, rewards) that also name the ticket, nor what gives
        those back. A reversal names the ticket (an invoice's credit note
        reverses the invoice's earning in its name) or, with
        ``reversals_elsewhere``, may name the document that changed it (a Point
        of Sale refund): then the reversals of the ticket's entries are looked
        up too, and ``columns`` may name the ticket as ``src.document_id``.
        Ordered by entry, or grouped by ticket. In SQL: every payment of a
        ticket asks it."""
        field = self._fields[column]
        assert field.type == "many2one" and field.store, column
        # Only the fields the query reads: every payment of a ticket asks it.
        self.flush_model([column, "kind", "reversed_entry_id", "points"])
        ids = list(ids)
        if reversals_elsewhere:
            entries = SQL(
                """(SELECT s.id, %(source)s AS document_id
                      FROM loyalty_points_entry s
                     WHERE %(source)s = ANY(%(ids)s)
                    UNION
                    SELECT s.id, %(reversed_source)s
                      FROM loyalty_points_entry s
                      JOIN loyalty_points_entry d ON d.id = s.reversed_entry_id
                     WHERE %(reversed_source)s = ANY(%(ids)s)) src
                   JOIN loyalty_points_entry e ON e.id = src.id""",
                source=SQL.identifier("s", column),
                reversed_source=SQL.identifier("d", column),
                ids=ids,
            )
            where = SQL("TRUE")
        else:
            # The plain case, one indexed scan: what every invoice payment asks.
            entries = SQL("loyalty_points_entry e")
            where = SQL("%s = ANY(%s)", SQL.identifier("e", column), ids)
        return self.env.execute_query(
            SQL(
                """SELECT %(columns)s
                     FROM %(entries)s
                     LEFT JOIN loyalty_points_entry r ON r.id = e.reversed_entry_id
                    WHERE %(where)s AND %(accrual)s
                    %(tail)s""",
                columns=columns,
                entries=entries,
                where=where,
                accrual=self._accrual_sql(),
                tail=SQL(
                    "GROUP BY %s",
                    SQL("src.document_id")
                    if reversals_elsewhere
                    else SQL.identifier("e", column),
                )
                if group_by_document
                else SQL("ORDER BY e.id"),
            )
        )

    @api.model
    def _amounts_sql(self, partner, program, now=None):
        """(balance, pending, available): SQL expressions of a customer's points,
        for the customer and program that the SQL expressions ``partner`` and
        ``program`` name, over the row ``b`` of ``loyalty_points_balance`` (which
        may be missing: no entry yet).

        *Available* is the one rule of what can be spent, read by the partner's
        fields and their search, and checked by every redemption, deduction and
        reward: what is left of the lots that are available and not past their
        expiry date, less any debt (negative entries that no lot covers). As the
        balance is every lot's remainder less that debt, it is the balance less
        what is left of the lots still pending and of the lots past their expiry
        date. The nightly job writes off the latter, and points given back to a
        lot already past its date are written off at once (``_write_entries``),
        so only the lots that expired since the job's last run
        (``loyalty_points_program.expiry_done_date``) are looked at."""
        now = now or fields.Datetime.now()
        today = fields.Date.to_date(now)
        left = self._lot_left_sql()
        pending = SQL(
            """COALESCE((SELECT SUM(%(left)s) FROM loyalty_points_entry e
                          WHERE e.program_id = %(program)s
                            AND e.partner_id = %(partner)s
                            AND e.points > 0 AND e.available_date > %(now)s), 0)""",
            left=left,
            program=program,
            partner=partner,
            now=now,
        )
        past = SQL(
            """COALESCE((SELECT SUM(%(left)s) FROM loyalty_points_entry e
                          WHERE e.program_id = %(program)s
                            AND e.partner_id = %(partner)s
                            AND e.points > 0 AND e.available_date <= %(now)s
                            AND e.expiry_date < %(today)s
                            AND e.expiry_date >= COALESCE(
                                (SELECT p.expiry_done_date
                                   FROM loyalty_points_program p
                                  WHERE p.id = %(program)s), '-infinity'::date)), 0)""",
            left=left,
            program=program,
            partner=partner,
            now=now,
            today=today,
        )
        balance = SQL("COALESCE(b.points, 0)")
        return balance, pending, SQL("%s - %s - %s", balance, pending, past)

    @api.model
    def _amounts_plain_sql(self, program, now):
        """SQL of a condition on the row ``b`` of ``loyalty_points_balance`` in
        ``program`` (its row read once, not for each balance): true when the
        two terms that ``_amounts_sql`` takes from the balance are both 0 at
        ``now``, so that the customer's available points are the balance
        itself, read without the ledger. No lot is pending: none becomes
        available after ``now`` (``pending_until``, which the balance triggers
        keep). No lot is past its expiry date and not yet written off: the
        nightly job has run today (the rule looks at no lot before its
        ``expiry_done_date``, nor from today on)."""
        return SQL(
            """(b.pending_until IS NULL OR b.pending_until <= %(now)s)
               AND (SELECT g.expiry_done_date FROM loyalty_points_program g
                     WHERE g.id = %(program)s) >= %(today)s""",
            program=program.id,
            now=now,
            today=fields.Date.to_date(now),
        )

    @api.model
    def _lot_left_sql(self):
        """SQL of what is left of the lot ``e``: its points less what was taken
        from it (never below 0: a lot never gives more than it holds)."""
        return SQL(
            """e.points - COALESCE((SELECT SUM(a.points)
                                      FROM loyalty_points_allocation a
                                     WHERE a.lot_id = e.id), 0)"""
        )

    @api.model
    def _available_lots(self, program, partner, now=None):
        """[(lot id, remaining)] of the spendable lots, soonest expiry first."""
        rows = self.env.execute_query(
            SQL(
                "SELECT l.id, l.remaining FROM (%s) l ORDER BY l.rank",
                self._available_lots_sql(program, partner, now),
            )
        )
        return [(lot_id, float(remaining)) for lot_id, remaining in rows]

    @api.model
    def _available_lots_sql(self, program, partner, now=None):
        """SQL of the spendable lots of ``partner`` in ``program``: id, remaining
        and rank (soonest expiry first)."""
        now = now or fields.Datetime.now()
        return SQL(
            """
            SELECT e.id, e.points - COALESCE(SUM(a.points), 0) AS remaining,
                   ROW_NUMBER() OVER (
                       ORDER BY e.expiry_date ASC NULLS LAST, e.date, e.id) AS rank
              FROM loyalty_points_entry e
              LEFT JOIN loyalty_points_allocation a ON a.lot_id = e.id
             WHERE e.partner_id = %(partner)s AND e.program_id = %(program)s
               AND e.points > 0 AND e.available_date <= %(now)s
               AND (e.expiry_date IS NULL OR e.expiry_date >= %(today)s)
             GROUP BY e.id
            HAVING e.points - COALESCE(SUM(a.points), 0) > 0
            """,
            partner=partner.id,
            program=program.id,
            now=now,
            today=fields.Date.to_date(now),
        )

    @api.model
    def _ledger_today(self):
        """The ledger's day: the date of the server's UTC clock, the same for every
        user, till and the nightly job, so that a lot is spendable on its expiry date
        exactly when the job does not expire it yet (the user's time zone would move
        the day by up to 14 hours from one user to the next)."""
        return fields.Date.to_date(fields.Datetime.now())

    @api.model
    def _prepare_lot_vals(self, program, date, expiry_date=None):
        """Available and expiry dates of a lot earned at ``date``."""
        vals = {"available_date": date + timedelta(hours=program.pending_hours)}
        if expiry_date:
            vals["expiry_date"] = expiry_date
        elif program.expiry_days:
            vals["expiry_date"] = (date + timedelta(days=program.expiry_days)).date()
        return vals

    @api.model
    def _write_entries(self, vals_list):
        """The one way entries are written (as superuser: callers check rights).

        Positive entries become lots with their dates. Negative entries take from the
        lots of ``vals['_from_lot_ids']`` first when given (a reversal takes back from
        the lots it reverses), then from the customer's available lots, first to
        expire first. What no lot covers stays as a negative balance."""
        # sudo: nobody writes the ledger with their own rights (users only read
        # it); every caller checked what the user may do first.
        Entry = self.sudo()
        precision = self.env["decimal.precision"].precision_get("Loyalty Points")
        now = fields.Datetime.now()
        today = fields.Date.to_date(now)
        entries = Entry.browse()
        for vals in vals_list:
            vals = dict(vals)
            from_lot_ids = vals.pop("_from_lot_ids", [])
            program = Entry.env["loyalty.points.program"].browse(vals["program_id"])
            partner = Entry.env["res.partner"].browse(vals["partner_id"])
            vals["partner_id"] = partner.commercial_partner_id.id
            vals.setdefault("date", now)
            if float_is_zero(
                vals["points"], precision_digits=precision
            ) and not vals.get("amount_basis"):
                continue
            if vals["points"] > 0 and "available_date" not in vals:
                vals.update(
                    self._prepare_lot_vals(
                        program, vals["date"], vals.get("expiry_date")
                    )
                )
            # A writer that did not lock the balance first (an earning, a grant)
            # updates it in the balance trigger, which fails like the lock when a
            # concurrent writer of this customer committed since the snapshot.
            with self._refused_on_last_try(
                lambda: self.env._(
                    "This customer's points are being changed by another payment "
                    "at this very moment: nothing was recorded. Please try again."
                )
            ):
                entry = Entry.create(vals)
            if entry.points < 0:
                entry._allocate(from_lot_ids)
            entries |= entry
            if (
                entry.kind == "reverse"
                and entry.points > 0
                and entry.expiry_date
                and entry.expiry_date < today
            ):
                # Points given back to a lot already past its expiry date (a
                # cancelled payment, a credit note cancelled) are written off at
                # once, as the nightly job did with the rest of the lot: the job's
                # last run is where the spendable rule stops looking
                # (_amounts_sql). Every other writer writes lots from today on.
                entries |= Entry._write_entries(
                    [
                        {
                            "partner_id": entry.partner_id.id,
                            "program_id": entry.program_id.id,
                            "company_id": entry.company_id.id,
                            "kind": "expire",
                            "points": -entry.points,
                            "expired_lot_id": entry.id,
                            "origin": entry.origin,
                            "reason": _("Points left in the lot on its expiry date"),
                            "date": vals["date"],
                            "_from_lot_ids": entry.ids,
                        }
                    ]
                )
        return entries

    def _allocate(self, from_lot_ids=()):
        """Record which lots this negative entry consumes."""
        self.ensure_one()
        if not from_lot_ids:
            self._allocate_available()
            return
        need = -self.points
        allocations = []
        lots = []
        if from_lot_ids:
            remaining = self.browse(from_lot_ids)._allocated_points()
            lots += [
                (lot.id, lot.points - remaining.get(lot.id, 0.0))
                for lot in self.browse(from_lot_ids).sorted(
                    lambda lot: (lot.expiry_date or fields.Date.today(), lot.id)
                )
                if lot.points > 0
            ]
        lots += [
            lot
            for lot in self._available_lots(self.program_id, self.partner_id)
            if lot[0] not in from_lot_ids
        ]
        precision = self.env["decimal.precision"].precision_get("Loyalty Points")
        for lot_id, remaining in lots:
            if float_compare(need, 0, precision_digits=precision) <= 0:
                break
            if float_compare(remaining, 0, precision_digits=precision) <= 0:
                continue
            take = min(need, remaining)
            allocations.append(
                {"consumer_id": self.id, "lot_id": lot_id, "points": take}
            )
            need -= take
        if allocations:
            # sudo: allocations are written with their entry, by the ledger only.
            self.env["loyalty.points.allocation"].sudo().create(allocations)

    def _allocate_available(self):
        """Take this negative entry's points from the customer's available lots,
        first to expire first (``_available_lots``), in one statement: what every
        redemption and deduction does."""
        self.ensure_one()
        precision = self.env["decimal.precision"].precision_get("Loyalty Points")
        Allocation = self.env["loyalty.points.allocation"]
        Allocation.flush_model()
        self.flush_model()
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO loyalty_points_allocation
                       (consumer_id, lot_id, points,
                        create_uid, create_date, write_uid, write_date)
                SELECT %(consumer)s, l.id, LEAST(l.remaining, %(need)s - l.taken),
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM (SELECT l.id, l.remaining,
                               COALESCE(SUM(l.remaining) OVER (
                                   ORDER BY l.rank ROWS BETWEEN UNBOUNDED
                                   PRECEDING AND 1 PRECEDING), 0) AS taken
                          FROM (%(lots)s) l) l
                 WHERE l.taken < %(need)s
                """,
                consumer=self.id,
                need=SQL("ROUND(%s::numeric, %s)", -self.points, precision),
                uid=self.env.uid,
                now=now,
                lots=self._available_lots_sql(self.program_id, self.partner_id, now),
            )
        )
        # Written beside the ORM: what it holds of these entries' lots is stale.
        self.invalidate_recordset(["allocation_ids"])
        self.invalidate_model(["lot_allocation_ids"])

    @api.model
    def _expirable_lots_sql(self, today):
        """The lots past their expiry date (``expiry_date < today``) with points left
        and no ``expire`` entry yet: id, customer, program, centre, remaining."""
        return SQL(
            """
            SELECT e.id, e.partner_id, e.program_id, e.company_id,
                   e.points - COALESCE(taken.points, 0) AS remaining
              FROM loyalty_points_entry e
              LEFT JOIN LATERAL (
                    SELECT SUM(a.points) AS points
                      FROM loyalty_points_allocation a
                     WHERE a.lot_id = e.id
                   ) taken ON TRUE
             WHERE e.points > 0
               AND e.expiry_date < %(today)s
               AND e.points - COALESCE(taken.points, 0) > 0
               AND NOT EXISTS (
                    SELECT 1 FROM loyalty_points_entry x WHERE x.expired_lot_id = e.id
                   )
            """,
            today=today,
        )

    @api.model
    def _cron_expire_points(self, today=None):
        """Write an ``expire`` entry for what is left of every lot whose expiry date
        is before ``today``, for all customers in one pass; return how many lots
        expired.

        Set-based: two statements whatever the number of lots. Idempotent: a lot
        already expired has nothing left and its ``expire`` entry is unique
        (``loyalty_points_entry_expired_lot_uniq``). Safe when two runs overlap:
        a run that finds another one in progress returns 0 at once, and a run whose
        snapshot predates writes committed meanwhile (another run, a reversal)
        stops on the serialization error instead of expiring stale remainders;
        the next run expires what is left."""
        today = today or self._ledger_today()
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", EXPIRY_LOCK_KEY))
        if not cr.fetchone()[0]:
            _logger.info("Loyalty points expiry: another run is in progress, skipped")
            return 0
        now = fields.Datetime.now()
        lots = self._expirable_lots_sql(today)
        try:
            with cr.savepoint(flush=False):
                # Same lock as every ledger writer (_lock_balances), for the
                # customers whose lots expire: nobody spends from them meanwhile.
                cr.execute(
                    SQL(
                        """
                        WITH lots AS (%(lots)s)
                        SELECT 1 FROM loyalty_points_balance b
                         WHERE (b.program_id, b.partner_id) IN (
                                SELECT program_id, partner_id FROM lots)
                         ORDER BY b.program_id, b.partner_id
                           FOR NO KEY UPDATE OF b
                        """,
                        lots=lots,
                    ),
                    log_exceptions=False,
                )
                # The balance trigger (per statement) updates the balances.
                cr.execute(
                    SQL(
                        """
                        WITH lots AS (%(lots)s),
                        expired AS (
                            INSERT INTO loyalty_points_entry
                                   (partner_id, program_id, company_id, date, points,
                                    kind, expired_lot_id, reason, user_id,
                                    create_uid, create_date, write_uid, write_date)
                            SELECT partner_id, program_id, company_id, %(now)s,
                                   -remaining, 'expire', id, %(reason)s, %(uid)s,
                                   %(uid)s, %(now)s, %(uid)s, %(now)s
                              FROM lots
                             ORDER BY id
                            ON CONFLICT (expired_lot_id)
                               WHERE expired_lot_id IS NOT NULL
                               DO NOTHING
                            RETURNING id, expired_lot_id, points
                        )
                        INSERT INTO loyalty_points_allocation
                               (consumer_id, lot_id, points,
                                create_uid, create_date, write_uid, write_date)
                        SELECT id, expired_lot_id, -points,
                               %(uid)s, %(now)s, %(uid)s, %(now)s
                          FROM expired
                        """,
                        lots=lots,
                        now=now,
                        reason=_("Points left in the lot on its expiry date"),
                        uid=self.env.uid,
                    ),
                    log_exceptions=False,
                )
                count = cr.rowcount
                # Every lot past its date is written off up to ``today`` (never
                # beyond the real day: lots written later are checked from here).
                cr.execute(
                    SQL(
                        """UPDATE loyalty_points_program
                              SET expiry_done_date = %(done)s
                            WHERE expiry_done_date IS NULL
                               OR expiry_done_date < %(done)s""",
                        done=min(today, fields.Date.to_date(now)),
                    ),
                    log_exceptions=False,
                )
        except TransactionRollbackError as error:
            _logger.info(
                "Loyalty points expiry: the ledger changed since this transaction "
                "started (%s); the next run expires what is left",
                error.pgcode,
            )
            count = 0
        self.env.invalidate_all()
        _logger.info("Loyalty points expiry: %s lots expired", count)
        return count
