"""The reliability suite's figures, and the one table that ``./dev test`` and
``./dev reliability`` print at the end of the run.

Each test adds what it did with ``record(suite, **figures)``: a line of JSON appended
to the file that ``LOYALTY_RELIABILITY_REPORT`` names (the test command sets it and
empties it first). The table sums the lines per suite."""

import json
import os

# Columns of the table, in order: what each figure counts.
FIGURES = {
    "requests": "requests handled by the server",
    "tickets": "tickets (invoices paid, POS orders, refunds, redemptions, rewards)",
    "faults_injected": "faults injected",
    "faults_survived": "faults survived",
    "inputs_tried": "bad inputs tried",
    "inputs_refused": "bad inputs refused cleanly",
    "sequences": "random sequences run",
    "steps": "steps checked",
    "lost": "entries lost",
    "doubled": "entries doubled",
}


def size():
    """``small`` (the test command) or ``full`` (./dev reliability)."""
    value = os.environ.get("LOYALTY_RELIABILITY_SIZE", "small")
    if value not in ("small", "full"):
        raise ValueError(f"LOYALTY_RELIABILITY_SIZE is {value!r}: small or full")
    return value


def scaled(small, full):
    """The figure for the size being run."""
    return full if size() == "full" else small


def record(suite, **figures):
    """Add ``figures`` (names of FIGURES) to the row of ``suite``."""
    unknown = set(figures) - set(FIGURES)
    if unknown:
        raise ValueError(f"unknown figures {sorted(unknown)}: use {sorted(FIGURES)}")
    path = os.environ.get("LOYALTY_RELIABILITY_REPORT")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"suite": suite, **figures}) + "\n")


def rows(path):
    """{suite: {figure: total}} from the file at ``path``."""
    totals = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            figures = json.loads(line)
            row = totals.setdefault(figures.pop("suite"), dict.fromkeys(FIGURES, 0))
            for name, value in figures.items():
                row[name] += value
    return totals


def table(path):
    """The lines of the table, or [] when nothing was recorded."""
    if not path or not os.path.exists(path):
        return []
    totals = rows(path)
    if not totals:
        return []
    names = list(FIGURES)
    header = ["suite", *names]
    body = [[suite, *(str(row[n]) for n in names)] for suite, row in totals.items()]
    body.append(
        ["total", *(str(sum(row[n] for row in totals.values())) for n in names)]
    )
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells):
        return "  ".join(
            c.rjust(w) if i else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return [
        f"reliability ({size()} size): "
        + "; ".join(f"{n} = {d}" for n, d in FIGURES.items()),
        rule,
        line(header),
        rule,
        *(line(r) for r in body),
        rule,
    ]
