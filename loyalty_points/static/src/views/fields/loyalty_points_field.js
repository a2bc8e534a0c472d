import {FloatField, floatField} from "@web/views/fields/float/float_field";
import {formatFloat} from "@web/views/fields/formatters";
import {registry} from "@web/core/registry";

// Points are printed one way everywhere, as format_points (loyalty_points/tools.py)
// prints them on the server: whole points without decimals, which is every amount
// of a program that rounds to whole points, others at the field's precision (the
// "Loyalty Points" decimal precision).
const WHOLE_TOLERANCE = 1e-9;

export function isWholePoints(value) {
    return (
        typeof value === "number" && Math.abs(value - Math.round(value)) < WHOLE_TOLERANCE
    );
}

/**
 * The "loyalty_points" formatter: list cells without a component and list footers
 * (sum aggregates look up the formatter of the column's widget first) print points
 * as the field does.
 *
 * @param {number | false} value
 * @param {Object} [options] as formatFloat takes them
 * @returns {string}
 */
export function formatLoyaltyPoints(value, options = {}) {
    if (isWholePoints(value)) {
        // Math.round: a sum such as 119.9999999999 reads "120", -1e-12 reads "0".
        return formatFloat(Math.round(value), {...options, digits: [false, 0]});
    }
    return formatFloat(value, options);
}
formatLoyaltyPoints.extractOptions = formatFloat.extractOptions;

export class LoyaltyPointsField extends FloatField {
    get formattedValue() {
        // Only where the parent formats the number itself: left as they are, the
        // raw value of an unformatted field or a number input, and the
        // human-readable form ("1k").
        const formats =
            this.props.formatNumber &&
            !(this.props.inputType === "number" && !this.props.readonly && this.value) &&
            !(this.props.humanReadable && !this.state.hasFocus);
        if (formats && isWholePoints(this.value)) {
            return formatLoyaltyPoints(this.value);
        }
        return super.formattedValue;
    }
}

export const loyaltyPointsField = {
    ...floatField,
    component: LoyaltyPointsField,
};

registry.category("fields").add("loyalty_points", loyaltyPointsField);
registry.category("formatters").add("loyalty_points", formatLoyaltyPoints);
