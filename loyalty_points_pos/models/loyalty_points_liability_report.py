# Copyright 2026 Loyalty Points contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL


class LoyaltyPointsLiabilityReport(models.Model):
    _inherit = "loyalty.points.liability.report"
    _depends = {
        "loyalty.points.entry": ["pos_payment_id"],
        "pos.payment": ["session_id"],
        "pos.session": ["state"],
    }

    unbooked_points = fields.Float(
        help="Earned, reversed, adjusted and expired points the nightly booking "
        "has not booked yet, and the points paid at the counter in sessions still "
        "open, which the session's close books."
    )

    def _unbooked_sql(self):
        """Points paid (or given back) at the counter are spent when the order
        syncs, and booked by the payment that the session writes when it closes
        (the nightly booking leaves them alone): until then they are not booked
        yet, and the report's equality holds while the session is open."""
        return SQL(
            """%s
            UNION ALL
            SELECT e.id FROM loyalty_points_entry e
              JOIN pos_payment pp ON pp.id = e.pos_payment_id
              JOIN pos_session s ON s.id = pp.session_id
             WHERE s.state != 'closed'""",
            SQL("SELECT b.id FROM (%s) b", super()._unbooked_sql()),
        )
