"""One line per measurement, with the baseline, the ratio and the issue's target."""

from . import accrual, balance, expiry, search


def _verdict(ok, small):
    if small:
        return "small size: the targets are for the full size"
    return "within target" if ok else "ABOVE TARGET"


def report_lines(loyalty, baseline):
    small = loyalty.get("size") == "small"
    results = loyalty["results"]
    lines = []
    if "accrual" in results:
        ours = results["accrual"]
        base = baseline["results"].get("accrual")
        if base:
            ratio = ours["seconds"] / base["seconds"]
            lines.append(
                f"accrual: {ours['invoices']} invoices {ours['seconds']:.1f} s "
                f"baseline {base['seconds']:.1f} s ratio {ratio:.3f}x "
                f"(target <= {accrual.TARGET_RATIO:.2f}x; "
                f"{_verdict(ratio <= accrual.TARGET_RATIO, small)})"
            )
            lines.append(
                f"accrual: post {ours['post_seconds']:.1f} s "
                f"(baseline {base['post_seconds']:.1f} s), "
                f"pay {ours['pay_seconds']:.1f} s "
                f"(baseline {base['pay_seconds']:.1f} s), "
                f"{ours.get('earned', 0)} invoices earned "
                f"{ours.get('points', 0):.0f} points "
                f"(expected {ours.get('expected_points', 0):.0f})"
            )
        else:
            lines.append(
                f"accrual: {ours['invoices']} invoices {ours['seconds']:.1f} s "
                "(no baseline)"
            )
    if "expiry" in results:
        ours = results["expiry"]
        if not ours.get("available"):
            lines.append(
                f"expiry: {ours['entries']} entries: expiry job not available "
                "(loyalty.points.entry._cron_expire_points is missing)"
            )
        else:
            lines.append(
                f"expiry: {ours['entries']} entries, {ours['expired']} lots expired "
                f"(expected {ours['expected']}) in {ours['seconds']:.1f} s "
                f"(target <= {expiry.TARGET_SECONDS:.0f} s; "
                f"{_verdict(ours['seconds'] <= expiry.TARGET_SECONDS, small)}); "
                f"second run {ours['second_run_seconds']:.1f} s, "
                f"{ours['second_run_expired']} expired"
            )
    if "balance" in results:
        ours = results["balance"]
        lines.append(
            f"balance: partner with {ours['entries']} entries, median read "
            f"{ours['median_ms']:.2f} ms of {ours['reads']} "
            f"(max {ours['max_ms']:.2f} ms; target <= {balance.TARGET_MS:.0f} ms; "
            f"{_verdict(ours['median_ms'] <= balance.TARGET_MS, small)}); "
            f"balance {ours['balance']:.0f} = ledger {ours['expected']:.0f}"
        )
    if "search" in results:
        ours = results["search"]
        lines.append(
            f"search: balance >= {ours['threshold']:.0f} among {ours['partners']} "
            f"partners, median {ours['median_ms']:.1f} ms of {ours['searches']} "
            f"(max {ours['max_ms']:.1f} ms; target <= {search.TARGET_MS:.0f} ms; "
            f"{_verdict(ours['median_ms'] <= search.TARGET_MS, small)}); "
            f"{ours['found']} found, {ours['expected']} expected"
        )
    return lines
