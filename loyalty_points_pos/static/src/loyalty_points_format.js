import {formatFloat} from "@web/core/utils/numbers";

/**
 * Points, printed the one way they are printed everywhere (as format_points in
 * loyalty_points/tools.py): whole points without decimals, others at two.
 */
export function formatLoyaltyPoints(value) {
    const whole = Math.abs(value - Math.round(value)) < 1e-9;
    return formatFloat(whole ? Math.round(value) : value, {digits: [false, whole ? 0 : 2]});
}
