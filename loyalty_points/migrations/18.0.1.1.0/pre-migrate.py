# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One meaning per ledger kind.

Before 18.0.1.1.0 a ``reverse`` meant four things and ``earn``/``adjust`` mixed
sources. This gives each entry written the old way the kind it has now, before
the new CHECK constraints are added (they would refuse the old rows):

- ``earn`` without an invoice (referral points) becomes ``referral``;
- ``adjust`` written by a server action (it names the action in ``origin``; the
  managers' wizard writes none) becomes ``grant``;
- an invoice's own reversal names the entry it undoes: a drop names the
  invoice's ``earn`` of its cycle, a rise names the latest drop before it;
- a positive ``reverse`` of nothing is a refund paid in points: ``refund``;
- what is left (none is known) becomes ``adjust``, which keeps its points.

The ledger refuses updates, so its immutability trigger is lifted for this
transaction only (ALTER TABLE is transactional)."""

import logging

_logger = logging.getLogger(__name__)


CONVERSIONS = [
    (
        "referral",
        """UPDATE loyalty_points_entry SET kind = 'referral'
            WHERE kind = 'earn' AND move_id IS NULL""",
    ),
    (
        "grant",
        """UPDATE loyalty_points_entry SET kind = 'grant'
            WHERE kind = 'adjust' AND origin IS NOT NULL""",
    ),
    (
        "reversal of an earning",
        """UPDATE loyalty_points_entry e SET reversed_entry_id = earn.id
             FROM loyalty_points_entry earn
            WHERE e.kind = 'reverse' AND e.reversed_entry_id IS NULL
              AND (e.points < 0 OR (e.points = 0 AND e.amount_basis < 0))
              AND earn.kind = 'earn' AND earn.move_id = e.move_id
              AND earn.program_id = e.program_id
              AND earn.earn_cycle = e.earn_cycle""",
    ),
    (
        "undoing of a reversal",
        """UPDATE loyalty_points_entry e SET reversed_entry_id = (
                   SELECT d.id FROM loyalty_points_entry d
                     JOIN loyalty_points_entry earn ON earn.id = d.reversed_entry_id
                    WHERE earn.kind = 'earn' AND d.kind = 'reverse'
                      AND d.move_id = e.move_id AND d.program_id = e.program_id
                      AND d.earn_cycle = e.earn_cycle AND d.id < e.id
                    ORDER BY d.id DESC LIMIT 1)
            WHERE e.kind = 'reverse' AND e.reversed_entry_id IS NULL
              AND (e.points > 0 OR (e.points = 0 AND e.amount_basis > 0))
              AND EXISTS (
                   SELECT 1 FROM loyalty_points_entry earn
                    WHERE earn.kind = 'earn' AND earn.move_id = e.move_id
                      AND earn.program_id = e.program_id
                      AND earn.earn_cycle = e.earn_cycle)""",
    ),
    (
        "refund",
        """UPDATE loyalty_points_entry SET kind = 'refund'
            WHERE kind = 'reverse' AND reversed_entry_id IS NULL AND points > 0""",
    ),
    (
        "adjustment (unrecognised reversal)",
        """UPDATE loyalty_points_entry SET kind = 'adjust'
            WHERE kind = 'reverse' AND reversed_entry_id IS NULL""",
    ),
]


def convert_kinds(cr):
    """Give every entry written the old way its kind; return {what: rows}."""
    cr.execute(
        "ALTER TABLE loyalty_points_entry "
        "DISABLE TRIGGER loyalty_points_entry_immutable"
    )
    counts = {}
    for what, query in CONVERSIONS:
        cr.execute(query)
        counts[what] = cr.rowcount
    cr.execute(
        "ALTER TABLE loyalty_points_entry ENABLE TRIGGER loyalty_points_entry_immutable"
    )
    return counts


def migrate(cr, version):
    if not version:
        return
    counts = convert_kinds(cr)
    _logger.info("loyalty_points: ledger kinds converted: %s", counts)
