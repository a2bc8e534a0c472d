"""Who may do what: the portal user, the POS cashier, the invoicing user, the
loyalty manager, and a manager of another company (company B, which company A's
program does not cover), each trying every model of the addons (read, write,
create, unlink), every wizard and button, over JSON-RPC as the web client calls
them, and the portal's HTTP routes. What each gets is the table ``RIGHTS``
below, which README.rst prints under "Who may do what" (a test checks they are
the same): *yes* is done, *no* is a clean refusal (AccessError, UserError,
ValidationError, MissingError over RPC; a 404 or the invoice page's refusal
over HTTP) with nothing written."""

import os
import re

from odoo import Command, fields
from odoo.tests import BaseCase

from .report import record
from .test_bad_input import REFUSALS, LoyaltyWorld

USERS = {
    "Portal": "lp_portal_a",
    "Cashier": "lp_cashier",
    "Invoicing": "lp_invoicing",
    "Manager": "lp_manager",
    "Manager B": "lp_manager_b",
}

# The README's table; each row names a method of TestRights (``do_`` + the row's
# words, spaces and punctuation as underscores).
RIGHTS = """
========================================  ======  =======  =========  =======  =========
What                                      Portal  Cashier  Invoicing  Manager  Manager B
========================================  ======  =======  =========  =======  =========
program: read                             no      no       yes        yes      no
program: write                            no      no       no         yes      no
program: create                           no      no       no         yes      no
program: unlink                           no      no       no         yes      no
ledger entry: read own                    yes     no       yes        yes      no
ledger entry: read another customer's     no      no       yes        yes      no
ledger entry: write                       no      no       no         no       no
ledger entry: create                      no      no       no         no       no
ledger entry: unlink                      no      no       no         no       no
allocation: read                          no      no       yes        yes      no
allocation: write                         no      no       no         no       no
allocation: create                        no      no       no         no       no
allocation: unlink                        no      no       no         no       no
reward: read                              no      yes      yes        yes      no
reward: write                             no      no       no         yes      no
reward: create                            no      no       no         yes      no
reward: unlink                            no      no       no         yes      no
liability report: read                    no      no       yes        yes      no
liability report: write                   no      no       no         no       no
liability report: create                  no      no       no         no       no
liability report: unlink                  no      no       no         no       no
grant or deduct wizard: apply             no      no       no         yes      no
reward wizard: redeem on a draft invoice  no      no       yes        no       no
process wizard: process                   no      no       no         yes      no
customer: points smart button             no      no       yes        yes      yes
customer: grant or deduct button          no      no       no         yes      yes
customer: send points statement           no      no       yes        yes      yes
customer: balance fields                  yes     yes      yes        yes      no
product: exclude from loyalty points      no      no       no         no       no
till: customer's balance                  no      yes      no         no       no
GET /my/points                            yes     no       yes        no       yes
POST pay_with_points: own invoice         yes     no       no         no       no
POST pay_with_points: another's invoice   no      no       no         no       no
========================================  ======  =======  =========  =======  =========
"""


def parse(table):
    """{what: {user: cell}} of an RST simple table like RIGHTS."""
    lines = [line for line in table.strip().splitlines() if line.strip()]
    rule = lines[0]
    columns = [(m.start(), m.end()) for m in re.finditer(r"=+", rule)]
    header = [lines[1][a:b].strip() for a, b in columns]
    rows = {}
    for line in lines[3:-1]:
        cells = [
            line[a : b if i < len(columns) - 1 else None].strip()
            for i, (a, b) in enumerate(columns)
        ]
        rows[cells[0]] = dict(zip(header[1:], cells[1:], strict=True))
    return rows


def method_name(what):
    return "do_" + re.sub(r"[^a-z0-9]+", "_", what.lower()).strip("_")


class TestRights(LoyaltyWorld):
    """Each cell of RIGHTS, tried as its user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A deduction, so that customer A has an allocation (what it took from
        # which lot).
        Entry = cls.env["loyalty.points.entry"]
        Entry._lock_balances(cls.program, cls.customer)
        Entry._write_entries(
            [
                {
                    "partner_id": cls.customer.id,
                    "program_id": cls.program.id,
                    "kind": "adjust",
                    "points": -10,
                    "reason": "Correction",
                }
            ]
        )
        cls.allocation = cls.env["loyalty.points.allocation"].search(
            [("consumer_id.partner_id", "=", cls.customer.id)], limit=1
        )
        cls.entry_centre_2 = cls._give(
            cls.customer, 300, company=cls.centre_2, reason="Centre 2 gift"
        )
        cls.clerk_2 = cls._staff(
            "lp_clerk_2", "account.group_account_invoice", company=cls.centre_2
        )
        cls.report_line = cls.env["loyalty.points.liability.report"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )

    # ------------------------------------------------------------------ models
    def _fresh_program(self):
        return self.env["loyalty.points.program"].create(
            {
                "name": "Spare",
                "active": False,
                "company_ids": [Command.set(self.env.company.ids)],
            }
        )

    def do_program_read(self):
        return self.rpc("loyalty.points.program", "read", self.program.ids, ["name"])

    def do_program_write(self):
        return self.rpc(
            "loyalty.points.program", "write", self.program.ids, {"name": "Club"}
        )

    def do_program_create(self):
        return self.rpc(
            "loyalty.points.program",
            "create",
            {
                "name": "New club",
                "active": False,
                "company_ids": [Command.set(self.env.company.ids)],
            },
        )

    def do_program_unlink(self):
        return self.rpc("loyalty.points.program", "unlink", self._fresh_program().ids)

    def do_ledger_entry_read_own(self):
        return self.rpc("loyalty.points.entry", "read", self.entry_a.ids, ["points"])

    def do_ledger_entry_read_another_customer_s(self):
        return self.rpc("loyalty.points.entry", "read", self.entry_b.ids, ["points"])

    def do_ledger_entry_write(self):
        return self.rpc(
            "loyalty.points.entry", "write", self.entry_a.ids, {"points": 1e6}
        )

    def do_ledger_entry_create(self):
        return self.rpc(
            "loyalty.points.entry",
            "create",
            {
                "partner_id": self.customer.id,
                "program_id": self.program.id,
                "company_id": self.env.company.id,
                "kind": "adjust",
                "points": 1e6,
                "reason": "Mine",
                "available_date": fields.Datetime.to_string(fields.Datetime.now()),
            },
        )

    def do_ledger_entry_unlink(self):
        return self.rpc("loyalty.points.entry", "unlink", self.entry_a.ids)

    def do_allocation_read(self):
        return self.rpc(
            "loyalty.points.allocation", "read", self.allocation.ids, ["points"]
        )

    def do_allocation_write(self):
        return self.rpc(
            "loyalty.points.allocation", "write", self.allocation.ids, {"points": 0.5}
        )

    def do_allocation_create(self):
        return self.rpc(
            "loyalty.points.allocation",
            "create",
            {
                "lot_id": self.allocation.lot_id.id,
                "consumer_id": self.allocation.consumer_id.id,
                "points": 1.0,
            },
        )

    def do_allocation_unlink(self):
        return self.rpc("loyalty.points.allocation", "unlink", self.allocation.ids)

    def do_reward_read(self):
        return self.rpc("loyalty.points.reward", "read", self.reward_a.ids, ["name"])

    def do_reward_write(self):
        return self.rpc(
            "loyalty.points.reward", "write", self.reward_a.ids, {"points_cost": 1}
        )

    def do_reward_create(self):
        return self.rpc(
            "loyalty.points.reward",
            "create",
            {"name": "Comb", "program_id": self.program.id, "points_cost": 50},
        )

    def do_reward_unlink(self):
        reward = self.env["loyalty.points.reward"].create(
            {"name": "Spare", "program_id": self.program.id, "points_cost": 5}
        )
        return self.rpc("loyalty.points.reward", "unlink", reward.ids)

    def do_liability_report_read(self):
        return self.rpc(
            "loyalty.points.liability.report",
            "read",
            self.report_line.ids,
            ["company_id"],
        )

    def do_liability_report_write(self):
        return self.rpc(
            "loyalty.points.liability.report",
            "write",
            self.report_line.ids,
            {"company_id": self.company_b.id},
        )

    def do_liability_report_create(self):
        return self.rpc(
            "loyalty.points.liability.report",
            "create",
            {"company_id": self.env.company.id},
        )

    def do_liability_report_unlink(self):
        return self.rpc(
            "loyalty.points.liability.report", "unlink", self.report_line.ids
        )

    # ------------------------------------------------------------------ wizards
    def do_grant_or_deduct_wizard_apply(self):
        result = self.rpc(
            "loyalty.points.adjust.wizard",
            "create",
            {
                "partner_id": self.customer.id,
                "program_id": self.program.id,
                "points": 25,
                "reason": "Birthday",
            },
        )
        if result[0] != "ok":
            return result
        return self.rpc("loyalty.points.adjust.wizard", "action_apply", [result[1]])

    def do_reward_wizard_redeem_on_a_draft_invoice(self):
        result = self.rpc(
            "loyalty.points.reward.wizard",
            "create",
            {"move_id": self.draft_a.id, "reward_id": self.reward_a.id},
        )
        if result[0] != "ok":
            return result
        return self.rpc("loyalty.points.reward.wizard", "action_redeem", [result[1]])

    def do_process_wizard_process(self):
        result = self.rpc(
            "loyalty.points.process.wizard",
            "create",
            {"program_ids": [Command.set(self.program.ids)]},
        )
        if result[0] != "ok":
            return result
        return self.rpc("loyalty.points.process.wizard", "action_process", [result[1]])

    # ------------------------------------------------------------------ buttons
    def do_customer_points_smart_button(self):
        return self.rpc("res.partner", "action_view_loyalty_points", self.customer.ids)

    def do_customer_grant_or_deduct_button(self):
        return self.rpc(
            "res.partner", "action_loyalty_points_adjust", self.customer.ids
        )

    def do_customer_send_points_statement(self):
        return self.rpc(
            "res.partner", "action_loyalty_points_send_statement", self.customer.ids
        )

    def do_customer_balance_fields(self):
        result = self.rpc(
            "res.partner",
            "read",
            self.customer.ids,
            ["loyalty_points_balance", "loyalty_points_available"],
        )
        if result[0] == "ok" and not result[1][0]["loyalty_points_balance"]:
            # Read, but not the points of A's program: nothing of it is shown.
            return ("empty", result[1])
        return result

    def do_product_exclude_from_loyalty_points(self):
        return self.rpc(
            "product.template",
            "action_loyalty_points_exclude",
            self.service.product_tmpl_id.ids,
        )

    def do_till_customer_s_balance(self):
        return self.rpc(
            "res.partner",
            "loyalty_points_pos_balance",
            self.customer.ids,
            self.pos_config.id,
        )

    # ------------------------------------------------------------------ HTTP
    def do_get_my_points(self):
        return self.http("/my/points", method="GET")

    def _pay_points(self, invoice):
        return self.http(
            f"/my/invoices/{invoice.id}/pay_with_points",
            {"csrf_token": self._csrf(), "confirm": "1"},
        )

    def do_post_pay_with_points_own_invoice(self):
        return self._pay_points(self.invoice_a)

    def do_post_pay_with_points_another_s_invoice(self):
        return self._pay_points(self.invoice_b)

    # ------------------------------------------------------------------ companies
    def _ids(self, model, domain=()):
        result = self.rpc(model, "search_read", list(domain), ["id"])
        self.assertEqual(result[0], "ok", result)
        return {row["id"] for row in result[1]}

    def test_companies(self):
        """A user of company B reads nothing of company A's program (which does
        not cover B): not the program, its rewards, its entries, its report
        lines, nor customer A's points (their balance reads B's program: 0). A
        clerk of centre 2, which A's program covers, reads the program and its
        rewards, and the entries of centre 2 only."""
        self.requests = 0
        Program = "loyalty.points.program"
        Entry = "loyalty.points.entry"
        Reward = "loyalty.points.reward"
        Report = "loyalty.points.liability.report"
        self.authenticate("lp_manager_b", "lp_manager_b")
        self.assertEqual(self._ids(Program), set(self.program_b.ids))
        self.assertEqual(self._ids(Reward), set(self.reward_b.ids))
        entries = self._ids(Entry)
        self.assertTrue(entries)
        self.assertEqual(
            set(self.env[Entry].browse(entries).company_id.ids), set(self.company_b.ids)
        )
        self.assertFalse(self._ids(Entry, [("partner_id", "=", self.customer.id)]))
        self.assertEqual(
            set(self.env[Report].browse(self._ids(Report)).company_id.ids)
            - set(self.company_b.ids),
            set(),
        )
        denied = 0
        for model, target in (
            (Program, self.program),
            (Reward, self.reward_a),
            (Entry, self.entry_a),
            (Entry, self.entry_centre_2),
        ):
            result = self.rpc(model, "read", target.ids, ["display_name"])
            self.assertEqual(result[:2], ("error", "odoo.exceptions.AccessError"))
            denied += 1
        result = self.rpc(
            "res.partner", "read", self.customer.ids, ["loyalty_points_balance"]
        )
        self.assertEqual(result[1][0]["loyalty_points_balance"], 0.0)

        self.authenticate("lp_clerk_2", "lp_clerk_2")
        self.assertEqual(self._ids(Program), set(self.program.ids))
        self.assertEqual(self._ids(Reward), set((self.reward_a | self.reward_big).ids))
        self.assertEqual(
            self._ids(Entry, [("partner_id", "=", self.customer.id)]),
            set(self.entry_centre_2.ids),
        )
        result = self.rpc(Entry, "read", self.entry_a.ids, ["points"])
        self.assertEqual(result[:2], ("error", "odoo.exceptions.AccessError"))
        denied += 1
        # The balance is the program's, every centre's entries included.
        result = self.rpc(
            "res.partner", "read", self.customer.ids, ["loyalty_points_balance"]
        )
        self.assertEqual(
            result[1][0]["loyalty_points_balance"],
            self.customer.with_company(self.centre_2).loyalty_points_balance,
        )
        self.assertGreater(result[1][0]["loyalty_points_balance"], 50000)
        record("rights", inputs_tried=denied, inputs_refused=denied)

    # ------------------------------------------------------------------ checks
    def cell(self, result):
        """``yes``, ``no`` (a clean refusal), or what went wrong."""
        if result[0] == "ok":
            return "yes"
        if result[0] == "empty":
            return "no"
        if result[0] == "error":
            return "no" if result[1] in REFUSALS else result[1]
        if result[0] == "http":
            return f"HTTP {result[1]}"
        status, path, code = result
        if status == 200:
            return "yes"
        if status in (303, 302) and code:
            return "yes" if code == "paid" else "no"
        if status in (403, 404):
            return "no"
        return f"HTTP {status} {path}"

    def test_rights_table(self):
        """Every cell of RIGHTS, tried as its user: what the user gets is the
        cell, and a refusal writes nothing."""
        table = parse(RIGHTS)
        self.requests = 0
        measured = {}
        tried = refused = 0
        problems = []
        for column, login in USERS.items():
            self.authenticate(login, login)
            for what, cells in table.items():
                before = self.written()
                got = self.cell(getattr(self, method_name(what))())
                measured.setdefault(what, {})[column] = got
                tried += 1
                if got == "no":
                    refused += 1
                    if self.written() != before:
                        problems.append(f"{what} / {column}: refused but wrote")
                if got != cells[column]:
                    problems.append(
                        f"{what} / {column}: {got}, table says {cells[column]}"
                    )
        record(
            "rights", inputs_tried=tried, inputs_refused=refused, requests=self.requests
        )
        measured_table = "\n".join(
            f"{what:50}  " + "  ".join(f"{row[c]:9}" for c in USERS)
            for what, row in measured.items()
        )
        self.assertEqual(problems, [], "measured:\n" + measured_table)


class TestRightsReadme(BaseCase):
    test_tags = {"standard", "post_install"}
    test_module = "loyalty_points_tests"

    def test_readme_has_the_table(self):
        """README.rst's "Who may do what" prints RIGHTS as it is here."""
        root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
        with open(os.path.join(root, "README.rst"), encoding="utf-8") as handle:
            readme = handle.read()
        self.assertIn("\nWho may do what\n===============\n", readme)
        section = readme.split("\nWho may do what\n===============\n", 1)[1]
        block = "\n".join(
            line[3:] if line.startswith("   ") else line
            for line in section.splitlines()
        )
        self.assertIn(RIGHTS.strip(), block)
        self.assertEqual(parse(RIGHTS), parse(RIGHTS.strip()))
