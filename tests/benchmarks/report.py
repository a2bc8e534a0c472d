"""One line per measurement, with the baseline, the ratio and the issue's target."""

from . import accrual, balance, expiry, portal, redeem, search


def _verdict(ok, small):
    if small:
        return "small size: the targets are for the full size"
    return "within target" if ok else "ABOVE TARGET"


def _ratio(ours, base):
    return f"{ours / base:.3f}x" if base else "n/a"


def _accrual_cpu_line(ours, base, name="accrual"):
    """What a loaded machine blurs less: the median of the per-invoice ratios (the
    invoices ran turn about) and the CPU that Odoo and PostgreSQL used."""
    pairs = sorted(
        o / b for o, b in zip(ours["invoice_ms"], base["invoice_ms"], strict=True) if b
    )
    median = pairs[len(pairs) // 2] if pairs else 0.0
    line = (
        f"{name}: median per-invoice ratio {median:.3f}x; "
        f"Odoo CPU {ours['odoo_cpu_seconds']:.1f} s "
        f"(baseline {base['odoo_cpu_seconds']:.1f} s, "
        f"{_ratio(ours['odoo_cpu_seconds'], base['odoo_cpu_seconds'])})"
    )
    if ours.get("pg_cpu_seconds") is not None and base.get("pg_cpu_seconds"):
        line += (
            f", PostgreSQL CPU {ours['pg_cpu_seconds']:.1f} s "
            f"(baseline {base['pg_cpu_seconds']:.1f} s, "
            f"{_ratio(ours['pg_cpu_seconds'], base['pg_cpu_seconds'])})"
        )
    return line


def report_lines(run):
    """The lines of the results of ``python -m tests.benchmarks``."""
    small = run.get("size") == "small"
    results, baseline = run["results"], run.get("baseline", {})
    lines = []
    if "accrual" in results:
        ours = results["accrual"]
        base = baseline.get("accrual")
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
                f"queries per invoice {ours['queries_per_invoice']:.1f} "
                f"(baseline {base['queries_per_invoice']:.1f}); "
                f"{ours.get('earned', 0)} invoices earned "
                f"{ours.get('points', 0):.0f} points "
                f"(expected {ours.get('expected_points', 0):.0f})"
            )
            lines.append(_accrual_cpu_line(ours, base))
        else:
            lines.append(
                f"accrual: {ours['invoices']} invoices {ours['seconds']:.1f} s "
                "(no baseline)"
            )
    if "expiry" in results:
        ours = results["expiry"]
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
            f"with the whole cache invalidated {ours['cold_median_ms']:.2f} ms; "
            f"balance {ours['balance']:.0f} = ledger {ours['expected']:.0f}; "
            f"available {ours['available']:.0f} = lot by lot "
            f"{ours['expected_available']:.0f}"
        )
        lines.append(
            f"balance: before the nightly expiry ever ran "
            f"({ours['expired_lots']} lots past their date, written off next in "
            f"{ours['expiry_seconds']:.1f} s), median read "
            f"{ours['unexpired_median_ms']:.2f} ms; available "
            f"{ours['unexpired_available']:.0f} = lot by lot "
            f"{ours['unexpired_expected_available']:.0f}"
        )
    if "search" in results:
        ours = results["search"]
        lines.append(
            f"search: balance >= {ours['threshold']:.0f} among {ours['partners']} "
            f"partners, median {ours['median_ms']:.1f} ms of {ours['searches']} "
            f"(max {ours['max_ms']:.1f} ms; target <= {search.TARGET_MS:.0f} ms; "
            f"{_verdict(ours['median_ms'] <= search.TARGET_MS, small)}); "
            f"{ours['found']} found, {ours['expected']} expected; "
            f"available >= {ours['threshold']:.0f}: median "
            f"{ours['available_median_ms']:.1f} ms "
            f"({'exact' if ours['exact_available'] else 'NOT EXACT'})"
        )
    if "redeem" in results:
        lines += _redeem_lines(results["redeem"], baseline.get("redeem"), small)
    if "portal" in results:
        lines += _portal_lines(results["portal"], small)
    return lines


def _portal_lines(ours, small):
    points_ok = ours["points_median_ms"] <= portal.TARGET_MS
    ratio = ours["home_median_ms"] / ours["home_without_card_median_ms"]
    return [
        f"portal: /my/points for {ours['entries']} entries median "
        f"{ours['points_median_ms']:.1f} ms of {ours['requests']} "
        f"(max {ours['points_max_ms']:.1f} ms; target <= {portal.TARGET_MS:.0f} ms; "
        f"{_verdict(points_ok, small)}); {ours['history_rows']} history rows",
        f"portal: /my with the card median {ours['home_median_ms']:.1f} ms, "
        f"without {ours['home_without_card_median_ms']:.1f} ms, ratio {ratio:.3f}x "
        f"(target <= {portal.TARGET_RATIO:.2f}x; "
        f"{_verdict(ratio <= portal.TARGET_RATIO, small)})",
    ]


def _redeem_lines(ours, base, small):
    checks = (
        f"{ours.get('redeem_entries', 0)} redeem entries for "
        f"{ours.get('redeemed_invoices', 0)} invoices "
        f"({ours.get('wrong_redemptions', 0)} wrong), "
        f"{ours.get('redeemed_points', 0):.0f} points "
        f"(expected {ours.get('expected_points', 0):.0f}), "
        f"liability debited {ours.get('liability_booked', 0):.2f} "
        f"(expected {ours.get('expected_liability', 0):.2f}), "
        f"{ours.get('balance_mismatches', 0)} balances off their ledger"
    )
    if not base:
        return [
            f"redeem: {ours['invoices']} invoices {ours['seconds']:.1f} s "
            f"(no baseline); {checks}"
        ]
    ratio = ours["seconds"] / base["seconds"]
    return [
        f"redeem: {ours['invoices']} invoices {ours['seconds']:.1f} s "
        f"baseline {base['seconds']:.1f} s ratio {ratio:.3f}x "
        f"(target <= {redeem.TARGET_RATIO:.2f}x; "
        f"{_verdict(ratio <= redeem.TARGET_RATIO, small)})",
        f"redeem: post {ours['post_seconds']:.1f} s "
        f"(baseline {base['post_seconds']:.1f} s), "
        f"pay half with points, half by bank {ours['pay_seconds']:.1f} s "
        f"(baseline half with a voucher {base['pay_seconds']:.1f} s), "
        f"queries per invoice {ours['queries_per_invoice']:.1f} "
        f"(baseline {base['queries_per_invoice']:.1f}); "
        f"{ours['paid']} paid; {checks}",
        _accrual_cpu_line(ours, base, "redeem"),
    ]
