"""One line per measurement, with the baseline, the ratio and the issue's target."""

from . import (
    accrual,
    balance,
    expiry,
    portal,
    pos_close,
    pos_session_start,
    pos_sync,
    redeem,
    search,
)


def _verdict(ok, small):
    if small:
        return "small size: the targets are for the full size"
    return "within target" if ok else "ABOVE TARGET"


def _ratio(ours, base):
    return f"{ours / base:.3f}x" if base else "n/a"


def _accrual_cpu_line(ours, base, name="accrual", key="invoice_ms", item="invoice"):
    """What a loaded machine blurs less: the median of the per-invoice ratios (the
    invoices ran turn about) and the CPU that Odoo and PostgreSQL used."""
    pairs = sorted(o / b for o, b in zip(ours[key], base[key], strict=True) if b)
    median = pairs[len(pairs) // 2] if pairs else 0.0
    line = (
        f"{name}: median per-{item} ratio {median:.3f}x; "
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
    if "pos_sync" in results:
        lines += _pos_sync_lines(results["pos_sync"], baseline.get("pos_sync"), small)
    if "pos_session_start" in results:
        lines += _pos_session_start_lines(
            results["pos_session_start"], baseline.get("pos_session_start"), small
        )
    if "pos_close" in results:
        lines += _pos_close_lines(
            results["pos_close"], baseline.get("pos_close"), small
        )
    if "portal" in results:
        lines += _portal_lines(results["portal"], baseline.get("portal"), small)
    return lines


def _ratio_line(name, what, ours, base, unit, target, small):
    """``name: what ours unit baseline base unit ratio (target; verdict)``."""
    if not base:
        return f"{name}: {what} {ours:.3f} {unit} (no baseline)"
    ratio = ours / base
    return (
        f"{name}: {what} {ours:.3f} {unit} baseline {base:.3f} {unit} "
        f"ratio {ratio:.3f}x (target <= {target:.2f}x; "
        f"{_verdict(ratio <= target, small)})"
    )


def _pos_sync_lines(ours, base, small):
    lines = [
        _ratio_line(
            "pos_sync",
            f"{ours['orders']} orders synced in",
            ours["seconds"],
            base and base["seconds"],
            "s",
            pos_sync.TARGET_RATIO,
            small,
        )
    ]
    queries = f"queries per order {ours['queries_per_order']:.1f}"
    if base:
        queries += f" (baseline {base['queries_per_order']:.1f})"
    lines.append(
        f"pos_sync: {queries}; {ours['paid']} of {ours['orders']} paid; "
        f"{ours.get('earned_orders', 0)} orders earned once "
        f"({ours.get('wrong_earns', 0)} more than once), "
        f"{ours.get('points', 0):.0f} points "
        f"(expected {ours.get('expected_points', 0):.0f}); "
        f"{ours.get('redeemed_payments', 0)} of "
        f"{ours.get('points_payments', 0)} points payments redeemed once "
        f"({ours.get('wrong_redemptions', 0)} wrong), "
        f"{ours.get('redeemed_points', 0):.0f} points "
        f"(expected {ours.get('expected_redeemed_points', 0):.0f}); "
        f"{ours.get('balance_mismatches', 0)} balances off their ledger; "
        f"{ours.get('replayed', 0)} orders sent again wrote "
        f"{ours.get('replay_new_entries', 0)} entries"
    )
    if base:
        lines.append(
            _accrual_cpu_line(ours, base, "pos_sync", key="order_ms", item="order")
        )
    return lines


def _pos_session_start_lines(ours, base, small):
    lines = [
        _ratio_line(
            "pos_session_start",
            f"{ours['customers']} customers, median load of {ours['reads']}",
            ours["median_ms"],
            base and base["median_ms"],
            "ms",
            pos_session_start.TARGET_RATIO,
            small,
        )
    ]
    detail = (
        f"pos_session_start: {ours['partners_loaded']} partners loaded "
        f"({ours['customers_loaded']} of the benchmark's customers, "
        f"{ours.get('customers_with_points', 0)} with points, "
        f"{ours.get('points_mismatches', 0)} off their ledger; ledger "
        f"{'LOADED' if ours.get('ledger_loaded') else 'not loaded'}), "
        f"response {ours['response_bytes'] / 1024:.0f} KiB"
    )
    if base:
        detail += (
            f" (baseline {base['partners_loaded']} partners, "
            f"{base['response_bytes'] / 1024:.0f} KiB); min "
            f"{ours['min_ms']:.1f} ms (baseline {base['min_ms']:.1f} ms)"
        )
        detail += (
            "; median per-load ratio "
            f"{_median_pair_ratio(ours['load_ms'], base['load_ms']):.3f}x"
        )
        if ours.get("pairs"):
            detail += f"; each of the {ours['pairs']} pairs of processes: " + ", ".join(
                _ratio(o, b)
                for o, b in zip(
                    ours["pair_median_ms"], base["pair_median_ms"], strict=True
                )
            )
    lines.append(detail)
    if base:
        lines.append(
            _cpu_line("pos_session_start", ours, base, "odoo_cpu_ms", "pg_cpu_ms", "ms")
        )
    return lines


def _cpu_line(name, ours, base, odoo_key, pg_key, unit):
    """The medians of the CPU that Odoo and PostgreSQL used, and the queries."""
    line = (
        f"{name}: median Odoo CPU {ours[odoo_key]:.1f} {unit} "
        f"(baseline {base[odoo_key]:.1f} {unit}, "
        f"{_ratio(ours[odoo_key], base[odoo_key])})"
    )
    if ours.get(pg_key) is not None and base.get(pg_key):
        line += (
            f", PostgreSQL CPU {ours[pg_key]:.1f} {unit} "
            f"(baseline {base[pg_key]:.1f} {unit}, "
            f"{_ratio(ours[pg_key], base[pg_key])})"
        )
    return line + f"; queries {ours['queries']:.0f} (baseline {base['queries']:.0f})"


def _median_pair_ratio(ours, base):
    pairs = sorted(o / b for o, b in zip(ours, base, strict=True) if b)
    return pairs[len(pairs) // 2] if pairs else 0.0


def _pos_close_lines(ours, base, small):
    lines = [
        _ratio_line(
            "pos_close",
            f"session of {ours['orders']} orders, median close of {ours['closes']}",
            ours["median_seconds"],
            base and base["median_seconds"],
            "s",
            pos_close.TARGET_RATIO,
            small,
        )
    ]
    detail = (
        f"pos_close: {'closed' if ours.get('closed') else 'NOT CLOSED'}, "
        f"{ours.get('orders_done', 0)} orders done; "
        f"{ours.get('share_payments_booked', 0)} payments booked for "
        f"{ours.get('share_payments', 0)} points payments, the liability debited "
        f"{ours.get('liability_debited', 0):.2f} "
        f"(expected {ours.get('share_amount', 0):.2f}), "
        f"{ours.get('left_to_nightly_books', 0)} left to the nightly books; "
        f"ledger {'unchanged' if ours.get('ledger_unchanged') else 'CHANGED'} "
        "by the close"
    )
    if base:
        detail += (
            f" (baseline {'closed' if base.get('closed') else 'NOT CLOSED'}, "
            f"{base.get('share_payments_booked', 0)} payments booked); "
            "median per-close ratio "
            f"{_median_pair_ratio(ours['close_seconds'], base['close_seconds']):.3f}x"
        )
    lines.append(detail)
    if base:
        lines.append(
            _cpu_line(
                "pos_close", ours, base, "odoo_cpu_seconds", "pg_cpu_seconds", "s"
            )
        )
    return lines


def _portal_lines(ours, base, small):
    points_ok = ours["points_median_ms"] <= portal.TARGET_MS
    return [
        f"portal: /my/points for {ours['entries']} entries median "
        f"{ours['points_median_ms']:.1f} ms of {ours['requests']} "
        f"(max {ours['points_max_ms']:.1f} ms; target <= {portal.TARGET_MS:.0f} ms; "
        f"{_verdict(points_ok, small)}); {ours['history_rows']} history rows",
        _ratio_line(
            "portal",
            f"/my with the points card ({ours['regular_entries']} entries) median",
            ours["home_median_ms"],
            base and base["home_median_ms"],
            "ms",
            portal.TARGET_RATIO,
            small,
        ),
        f"portal: /my with the points card for {ours['entries']} entries median "
        f"{ours['big_home_median_ms']:.1f} ms",
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
