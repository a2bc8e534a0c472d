"""Data for the reliability suite, built over JSON-RPC and HTTP as the business's
users build it: a programme, tills with open sessions, a cashier, an invoicing user,
customers (with portal logins), invoices, payments, POS orders as the till sends them
to ``pos.order.sync_from_ui``, refunds and rewards.

Everything goes through a ``Client`` of ``server.py``; nothing here touches the
database directly (the tests read the ledger with ``server.env()``)::

    with OdooServer("load") as server:
        shop = Shop(server, tills=2)
        ann = shop.customer("Ann", points=5000, portal=True)
        invoicer = shop.invoicer()
        invoice = shop.invoice(invoicer, ann.partner_id, 50.0)
        shop.pay_with_points(invoicer, invoice)          # the points journal
        cashier = shop.cashier()
        order = shop.order(ann.partner_id, [(2, 25.0)], points=10.0)
        shop.sync(cashier, order)                        # strict, as the till does

The programme earns 2 points per 1.00 (tax-free products, so untaxed = total), a
point is worth 0.01 (1,000 points pay 10.00), points are available at once (no
pending period), the minimum redemption is 1.00, the card method (invoices and
tills) earns, and a ticket paid partly with points earns on the share paid by card
(``points_paid_earning = "share"``).
"""

import dataclasses
import itertools
import re
import threading
import uuid as uuidlib
from datetime import date, datetime, timezone
from urllib.parse import parse_qs, urlparse

RATE = 2.0  # points per 1.00
POINT_VALUE = 0.01  # 1.00 per 100 points
PASSWORD = "Reliability-1"


def points_for(amount):
    """The points that ``amount`` (in the company's currency) costs."""
    return round(amount / POINT_VALUE, 4)


def earned_for(amount):
    """The points that ``amount`` paid with earning methods earns."""
    return round(amount * RATE, 4)


@dataclasses.dataclass
class Customer:
    name: str
    partner_id: int
    login: str = ""
    password: str = PASSWORD


@dataclasses.dataclass
class Till:
    config_id: int
    session_id: int


class Shop:
    """The main company of the test database with its own programme (the demo one
    archived: a company takes part in one active programme), ``tills`` tills each
    with an open session, the card and Loyalty Points methods on each, a tax-free
    product, a cashier and an invoicing user. Built as ``admin``."""

    def __init__(self, server, tills=1, name="Reliability"):
        self.server = server
        self.name = name
        self.admin = server.client("admin", "admin")
        admin = self.admin
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        [user] = admin.call("res.users", "read", [admin.uid], ["company_id"])
        self.company_id = user["company_id"][0]
        Program = "loyalty.points.program"
        old = admin.call(Program, "search", [("company_ids", "in", [self.company_id])])
        if old:
            admin.call(Program, "write", old, {"active": False})
        self.program_id = admin.call(
            Program,
            "create",
            [
                {
                    "name": f"{name} Club",
                    "state": "on",
                    "company_ids": [(6, 0, [self.company_id])],
                    "date_start": "2020-01-01",
                    "rate_type": "per_currency",
                    "rate": RATE,
                    "point_value": POINT_VALUE,
                    "min_redemption": 1.0,
                    "pending_hours": 0,
                    "points_paid_earning": "share",
                }
            ],
        )[0]
        [company] = admin.call(
            "res.company", "read", [self.company_id], ["loyalty_points_journal_id"]
        )
        if not company["loyalty_points_journal_id"]:
            raise AssertionError("the company has no points journal")
        self.points_journal_id = company["loyalty_points_journal_id"][0]
        [self.points_method_id] = admin.call(
            "pos.payment.method",
            "search",
            [
                ("loyalty_points_redeem", "=", True),
                ("company_id", "=", self.company_id),
            ],
            limit=1,
        )
        # A bank journal of its own for the card payments (invoices and tills).
        self.bank_journal_id = admin.call(
            "account.journal",
            "create",
            [
                {
                    "name": f"{name} Card",
                    "code": "RCRD",
                    "type": "bank",
                    "company_id": self.company_id,
                }
            ],
        )[0]
        self.card_method_id = admin.call(
            "pos.payment.method",
            "create",
            [
                {
                    "name": f"{name} Card",
                    "journal_id": self.bank_journal_id,
                    "company_id": self.company_id,
                }
            ],
        )[0]
        self.product_id = admin.call(
            "product.product",
            "create",
            [
                {
                    "name": f"{name} Service",
                    "type": "service",
                    "list_price": 10.0,
                    "available_in_pos": True,
                    "taxes_id": [(6, 0, [])],
                }
            ],
        )[0]
        self.cashier_login = self.user(
            "cashier", ["base.group_user", "point_of_sale.group_pos_user"]
        )
        self.invoicer_login = self.user(
            "invoicer", ["base.group_user", "account.group_account_invoice"]
        )
        self.tills = [self._till(index) for index in range(tills)]

    # ------------------------------------------------------------------ users
    def xmlid(self, xmlid):
        module, name = xmlid.split(".")
        [row] = self.admin.call(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            fields=["res_id"],
        )
        return row["res_id"]

    def user(self, login, groups, partner_id=None):
        """A user ``login`` (password ``PASSWORD``) in ``groups`` (xmlids) of the
        company; returns the login."""
        login = f"{self.name.lower()}-{login}"
        vals = {
            "name": login,
            "login": login,
            "email": f"{login}@example.com",
            "password": PASSWORD,
            "company_id": self.company_id,
            "company_ids": [(6, 0, [self.company_id])],
            "groups_id": [(6, 0, [self.xmlid(g) for g in groups])],
        }
        if partner_id:
            vals["partner_id"] = partner_id
        self.admin.call(
            "res.users", "create", [vals], context={"no_reset_password": True}
        )
        return login

    def cashier(self):
        """A new session (a till's browser) of the cashier."""
        return self.server.client(self.cashier_login, PASSWORD)

    def invoicer(self):
        """A new session of the invoicing user."""
        return self.server.client(self.invoicer_login, PASSWORD)

    def portal(self, customer):
        """A new portal session of ``customer`` (made with ``portal=True``)."""
        return self.server.client(customer.login, PASSWORD)

    # ------------------------------------------------------------------ customers
    def customer(self, name, points=0.0, portal=False):
        """A customer (a person, their own commercial partner) holding ``points``
        available points, with a portal login when ``portal``."""
        email = re.sub(r"\W", "", name).lower() + "@example.com"
        partner_id = self.admin.call(
            "res.partner", "create", [{"name": name, "email": email}]
        )[0]
        customer = Customer(name, partner_id)
        if points:
            self.grant(partner_id, points)
        if portal:
            customer.login = self.user(
                f"portal-{partner_id}", ["base.group_portal"], partner_id=partner_id
            )
        return customer

    def grant(self, partner_id, points, reason="Reliability grant"):
        """Grant (or deduct, negative) ``points`` through the manager's wizard."""
        wizard = self.admin.call(
            "loyalty.points.adjust.wizard",
            "create",
            [
                {
                    "partner_id": partner_id,
                    "program_id": self.program_id,
                    "points": points,
                    "reason": reason,
                }
            ],
        )
        self.admin.call("loyalty.points.adjust.wizard", "action_apply", wizard)

    def available(self, partner_id):
        """The customer's available points, as a manager reads them."""
        [row] = self.admin.call(
            "res.partner", "read", [partner_id], ["loyalty_points_available"]
        )
        return row["loyalty_points_available"]

    # ------------------------------------------------------------------ invoices
    def _invoice_vals(self, partner_id, amounts):
        """A customer invoice of today with one tax-free line per amount."""
        return {
            "move_type": "out_invoice",
            "partner_id": partner_id,
            "invoice_date": date.today().isoformat(),
            "invoice_line_ids": [
                (
                    0,
                    0,
                    {
                        "product_id": self.product_id,
                        "quantity": 1.0,
                        "price_unit": value,
                        "tax_ids": [(6, 0, [])],
                    },
                )
                for value in amounts
            ],
        }

    def invoice(self, client, partner_id, amount, post=True, lines=None):
        """A customer invoice of ``amount`` (one tax-free line; or ``lines``, a
        list of amounts), posted unless ``post`` is false; returns its id."""
        [move_id] = client.call(
            "account.move",
            "create",
            [self._invoice_vals(partner_id, lines or [amount])],
        )
        if post:
            client.call("account.move", "action_post", [move_id])
        return move_id

    def invoices(self, client, partner_id, amounts):
        """Posted invoices of one tax-free line each, one per amount, made and
        posted in two requests; returns their ids."""
        move_ids = client.call(
            "account.move",
            "create",
            [self._invoice_vals(partner_id, [amount]) for amount in amounts],
        )
        client.call("account.move", "action_post", move_ids)
        return move_ids

    def residual(self, client, move_id):
        [row] = client.call("account.move", "read", [move_id], ["amount_residual"])
        return row["amount_residual"]

    def pay(self, client, move_id, amount=None, journal_id=None):
        """Register a payment of ``move_id`` (its whole residual by default) in
        ``journal_id`` (the card journal by default) with the register wizard,
        as the invoice's Pay button does; returns the payments' ids."""
        context = {"active_model": "account.move", "active_ids": [move_id]}
        vals = {
            "journal_id": journal_id or self.bank_journal_id,
            "payment_date": date.today().isoformat(),
        }
        if amount is not None:
            vals["amount"] = amount
        [wizard] = client.call(
            "account.payment.register", "create", [vals], context=context
        )
        action = client.call(
            "account.payment.register",
            "action_create_payments",
            [wizard],
            context=context,
        )
        # The wizard opens the payment it made (or the list of those it made).
        if action.get("res_id"):
            return [action["res_id"]]
        [(_field, _operator, payment_ids)] = action["domain"]
        return payment_ids

    def pay_with_points(self, client, move_id, amount=None):
        """Pay ``move_id`` in the points journal (a backend points payment)."""
        return self.pay(client, move_id, amount, journal_id=self.points_journal_id)

    def credit_note(self, client, move_id, post=True):
        """The credit note of the whole invoice (its Reverse wizard), posted
        unless ``post`` is false; returns its id."""
        context = {"active_model": "account.move", "active_ids": [move_id]}
        [journal] = client.call("account.move", "read", [move_id], ["journal_id"])
        [wizard] = client.call(
            "account.move.reversal",
            "create",
            [{"journal_id": journal["journal_id"][0], "reason": "Reliability"}],
            context=context,
        )
        action = client.call(
            "account.move.reversal", "refund_moves", [wizard], context=context
        )
        refund_id = action["res_id"]
        if post:
            client.call("account.move", "action_post", [refund_id])
        return refund_id

    def reward(self, points_cost, name=None):
        """A reward of the programme costing ``points_cost``; returns its id."""
        return self.admin.call(
            "loyalty.points.reward",
            "create",
            [
                {
                    "name": name or f"Reward {points_cost:g}",
                    "program_id": self.program_id,
                    "points_cost": points_cost,
                }
            ],
        )[0]

    def redeem_reward(self, client, move_id, reward_id):
        """Redeem a reward on a draft invoice (its Reward wizard)."""
        [wizard] = client.call(
            "loyalty.points.reward.wizard",
            "create",
            [{"move_id": move_id, "reward_id": reward_id}],
        )
        client.call("loyalty.points.reward.wizard", "action_redeem", [wizard])

    # ------------------------------------------------------------------ portal
    def portal_pay(self, client, move_id):
        """``POST /my/invoices/<id>/pay_with_points`` with the form's CSRF token,
        as the invoice's portal page posts it. Returns (HTTP status, outcome
        code of the redirect: "paid", "short", ... or None)."""
        token = client.csrf_token(f"/my/invoices/{move_id}")
        response = client.post(
            f"/my/invoices/{move_id}/pay_with_points",
            data={"csrf_token": token},
            allow_redirects=False,
        )
        code = None
        location = response.headers.get("Location")
        if location:
            code = parse_qs(urlparse(location).query).get("loyalty_points", [None])[0]
        return response.status_code, code

    # ------------------------------------------------------------------ POS
    def _till(self, index):
        admin = self.admin
        config_id = admin.call(
            "pos.config",
            "create",
            [
                {
                    "name": f"{self.name} Till {index + 1}",
                    "company_id": self.company_id,
                    "payment_method_ids": [
                        (6, 0, [self.card_method_id, self.points_method_id])
                    ],
                }
            ],
        )[0]
        cashier_id = admin.call(
            "res.users", "search", [("login", "=", self.cashier_login)]
        )[0]
        session_id = admin.call(
            "pos.session",
            "create",
            [{"config_id": config_id, "user_id": cashier_id}],
        )[0]
        admin.call("pos.session", "set_opening_control", [session_id], 0, "")
        return Till(config_id, session_id)

    def order(
        self, partner_id, lines, points=0.0, till=0, uuid=None, refunds=None, **extra
    ):
        """A paid order as the till sends it: ``lines`` are (quantity, price)
        of the shop's product; ``points`` of the total is paid with the Loyalty
        Points method, the rest by card. For a refund, ``refunds`` gives the
        refunded order line of each line (then quantities are negative, and
        so are ``points`` and the card's share)."""
        order_uuid = uuid or str(uuidlib.uuid4())
        till = self.tills[till % len(self.tills)]
        now = _now()
        total = round(sum(qty * price for qty, price in lines), 2)
        with self._lock:
            sequence = next(self._counter)
        order_lines = []
        for index, (qty, price) in enumerate(lines):
            line = {
                "uuid": str(uuidlib.uuid4()),
                "product_id": self.product_id,
                "qty": qty,
                "price_unit": price,
                "discount": 0.0,
                "price_subtotal": round(qty * price, 2),
                "price_subtotal_incl": round(qty * price, 2),
                "tax_ids": [(6, 0, [])],
                "pack_lot_ids": [],
                "full_product_name": f"{self.name} Service",
            }
            if refunds:
                line["refunded_orderline_id"] = refunds[index]
            order_lines.append((0, 0, line))
        payments = []
        if points:
            payments.append((self.points_method_id, points))
        if round(total - points, 2):
            payments.append((self.card_method_id, round(total - points, 2)))
        return {
            "uuid": order_uuid,
            "name": f"Order {order_uuid}",
            "state": "paid",
            "session_id": till.session_id,
            "sequence_number": sequence,
            "partner_id": partner_id,
            "pricelist_id": False,
            "fiscal_position_id": False,
            "date_order": now,
            "amount_paid": total,
            "amount_return": 0.0,
            "amount_tax": 0.0,
            "amount_total": total,
            "to_invoice": False,
            "last_order_preparation_change": "{}",
            "lines": order_lines,
            "payment_ids": [
                (
                    0,
                    0,
                    {
                        "uuid": str(uuidlib.uuid4()),
                        "amount": amount,
                        "name": now,
                        "payment_method_id": method_id,
                    },
                )
                for method_id, amount in payments
            ],
            **extra,
        }

    def sync(self, client, order, strict=True):
        """Send ``order`` to ``pos.order.sync_from_ui`` as the till does: the
        order being validated is checked strictly (``strict``), orders draining
        from an offline queue are not. Returns the order's id."""
        till = next(
            (t for t in self.tills if t.session_id == order["session_id"]),
            self.tills[0],
        )
        context = {"config_id": till.config_id, "login_number": 1}
        if strict:
            context["loyalty_points_strict_uuids"] = [order["uuid"]]
        result = client.call("pos.order", "sync_from_ui", [order], context=context)
        return result["pos.order"][0]["id"]

    def order_lines(self, client, order_id):
        """The ids of the order's lines, in order (for a refund)."""
        return client.call(
            "pos.order.line", "search", [("order_id", "=", order_id)], order="id"
        )

    def refund(self, client, order_id, partner_id, lines, points=0.0, till=0, **extra):
        """A refund of the order ``order_id`` as the till sends it: ``lines``
        are (quantity, price), one per line of the order, quantities positive
        (made negative here), ``points`` the share given back as points."""
        line_ids = self.order_lines(client, order_id)
        return self.order(
            partner_id,
            [(-qty, price) for qty, price in lines],
            points=-points,
            till=till,
            refunds=line_ids[: len(lines)],
            **extra,
        )


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


# ---------------------------------------------------------------------- ledger
@dataclasses.dataclass
class Tally:
    """What the ledger holds per ticket (``("move", id)`` for an invoice,
    ``("pos", id)`` for a POS order, ``("payment", id)`` for a payment that
    names no invoice): the ``earn`` entries and the net points earned (less
    their reversals), the ``redeem`` entries and the net points spent (less
    what went back)."""

    earns: dict
    earned: dict
    redeems: dict
    spent: dict

    def count(self, expected):
        """(lost, doubled) over ``expected``, {ticket: (earn entries, points
        earned net, redeem entries, points spent net)}: a ticket that holds
        less than expected is lost, more is doubled (an entry that was
        reversed and written again counts once: only the net points and the
        entries not reversed are compared)."""
        lost = doubled = 0
        for ticket, (earns, earned, redeems, spent) in expected.items():
            found = (
                self.earns.get(ticket, 0),
                round(self.earned.get(ticket, 0.0), 2),
                self.redeems.get(ticket, 0),
                round(self.spent.get(ticket, 0.0), 2),
            )
            wanted = (earns, round(earned, 2), redeems, round(spent, 2))
            if any(f < w for f, w in zip(found, wanted, strict=True)):
                lost += 1
            if any(f > w for f, w in zip(found, wanted, strict=True)):
                doubled += 1
        return lost, doubled


def _ticket(entry):
    if entry.pos_order_id:
        return ("pos", entry.pos_order_id.id)
    if entry.move_id:
        return ("move", entry.move_id.id)
    if entry.payment_id:
        return ("payment", entry.payment_id.id)
    return None


def tally(env, program_id):
    """The ``Tally`` of the programme's ledger, read with ``server.env()``.
    Entries not reversed are counted: an ``earn`` (or ``redeem``) undone in
    full by ``reverse`` entries (a reset to draft, a cancelled payment) is not
    counted again; partial reversals (a refund of part of a ticket) leave it
    counted."""
    entries = env["loyalty.points.entry"].search(
        [("program_id", "=", program_id)], order="id"
    )
    reversed_points = {}
    for entry in entries.filtered(lambda e: e.kind == "reverse"):
        original = entry.reversed_entry_id
        reversed_points[original.id] = reversed_points.get(original.id, 0.0) + (
            entry.points
        )
    earns, earned, redeems, spent = {}, {}, {}, {}
    for entry in entries:
        original = entry.reversed_entry_id if entry.kind == "reverse" else entry
        if original.kind not in ("earn", "redeem"):
            continue
        ticket = _ticket(original)
        if original.kind == "earn":
            earned[ticket] = earned.get(ticket, 0.0) + entry.points
            counts = earns
        else:
            spent[ticket] = spent.get(ticket, 0.0) - entry.points
            counts = redeems
        if entry.kind != "reverse" and (
            abs(entry.points + reversed_points.get(entry.id, 0.0)) > 1e-4
        ):
            counts[ticket] = counts.get(ticket, 0) + 1
    return Tally(earns, earned, redeems, spent)


# ---------------------------------------------------------------------- the log
_RETRIED = re.compile(
    r"could not serialize access|deadlock detected|could not obtain lock"
)


def server_errors(server, ignore=(), since=0):
    """(errors, retried) of the server's log: the first line of each ERROR or
    CRITICAL record (and of each traceback) but the concurrency failures that
    Odoo retries (``odoo.sql_db`` logs the "bad query" of a serialization
    failure as an ERROR, then ``odoo.service.model`` tries the request again),
    and how many tries again there were. A concurrency failure that used up
    Odoo's tries is an error. ``ignore``: regular expressions of records to
    leave out (faults a test injected). ``since``: where in the log to start
    (``len(server.log())`` when a test began)."""
    errors, retried = [], 0
    for level, logger, lines in server.records(since):
        text = "\n".join(lines)
        if any(re.search(pattern, text) for pattern in ignore):
            continue
        if logger == "odoo.service.model" and "tries left, try again" in text:
            retried += 1
        elif "maximum number of tries reached" in text:
            errors.append(lines[0])
        elif level in ("ERROR", "CRITICAL"):
            if logger != "odoo.sql_db" or not _RETRIED.search(text):
                errors.append(lines[0])
        elif any(line.startswith("Traceback") for line in lines):
            errors.append(lines[0])
    return errors, retried
