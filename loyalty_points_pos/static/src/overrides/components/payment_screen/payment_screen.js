import {AlertDialog} from "@web/core/confirmation_dialog/confirmation_dialog";
import {formatLoyaltyPoints} from "@loyalty_points_pos/loyalty_points_format";
import {PaymentScreen} from "@point_of_sale/app/screens/payment_screen/payment_screen";
import {_t} from "@web/core/l10n/translation";
import {patch} from "@web/core/utils/patch";
import {roundPrecision} from "@web/core/utils/numbers";

patch(PaymentScreen.prototype, {
    setup() {
        super.setup(...arguments);
        // {payment line uuid: the most it may pay with points}
        this.loyaltyPointsCaps = {};
        const partner = this.currentOrder.get_partner();
        if (partner) {
            // Read the customer's points now (a sale or a refund since they were
            // chosen changed them); offline, the till keeps what it last read.
            this.pos.loyaltyPointsBalance(partner).catch(() => {});
        }
    },

    /**
     * The selected customer's available points and their worth, as the till
     * last read them (the ledger is never loaded), and whether they reach the
     * minimum redemption (the red light of the customer list).
     */
    get loyaltyPointsSummary() {
        const partner = this.currentOrder.get_partner();
        if (!partner || ["off", false, undefined].includes(this.pos.config.loyalty_points_state)) {
            return null;
        }
        const info = this.pos.loyaltyPointsBalances[partner.id];
        const available = info ? info.available : partner.loyalty_points_available || 0;
        const value = info ? info.value : partner.loyalty_points_value || 0;
        const minimum = info ? info.min_redemption : this.pos.config.loyalty_points_min_redemption;
        return {
            text: _t("%(partner)s: %(points)s points (%(value)s)", {
                partner: partner.name,
                points: formatLoyaltyPoints(available),
                value: this.env.utils.formatCurrency(value),
            }),
            redeemable: Boolean(minimum) && value >= minimum,
        };
    },

    loyaltyPointsRefuse(body) {
        this.dialog.add(AlertDialog, {title: _t("Loyalty points"), body});
        return false;
    },

    /**
     * A points payment needs a customer and pays at most the amount due and the
     * worth of the points the till knows the customer has; below the minimum
     * redemption, in test mode or while the program is off it adds nothing and
     * says why. The server checks again when the order syncs.
     */
    async addNewPaymentLine(paymentMethod) {
        if (!paymentMethod.loyalty_points_redeem) {
            return await super.addNewPaymentLine(...arguments);
        }
        const order = this.currentOrder;
        const partner = order.get_partner();
        if (!partner) {
            return this.loyaltyPointsRefuse(
                _t("Points belong to a customer: choose the customer first.")
            );
        }
        const info = await this.pos.loyaltyPointsBalance(partner);
        const rounding = this.pos.currency.rounding;
        const due = order.get_due();
        if (due < 0) {
            // A refund: the share paid with points goes back as points, and
            // only that share (more would turn money paid into points).
            const back = this.loyaltyPointsRefundShare(order);
            const added = await super.addNewPaymentLine(...arguments);
            if (added && back !== null) {
                const amount = roundPrecision(Math.max(due, -back), rounding);
                this.selectedPaymentLine.set_amount(amount);
                this.numberBuffer.set(amount.toString());
            }
            return added;
        }
        if (!info.program || info.state === "off") {
            return this.loyaltyPointsRefuse(_t("The loyalty program is off."));
        }
        if (info.state === "test") {
            return this.loyaltyPointsRefuse(
                _t("The loyalty program is in test mode: customers cannot spend points yet.")
            );
        }
        if (!info.min_redemption) {
            return this.loyaltyPointsRefuse(
                _t("Paying with points is paused (the minimum redemption is 0).")
            );
        }
        // The order's rewards take their points first.
        const value = Math.max(info.value - this.pos.loyaltyPointsRewardPoints(order) * info.point_value, 0);
        const max = roundPrecision(Math.min(due, value), rounding);
        if (max < info.min_redemption) {
            return this.loyaltyPointsRefuse(
                _t(
                    "%(partner)s has points worth %(value)s; at least %(minimum)s must be paid with points.",
                    {
                        partner: partner.name,
                        value: this.env.utils.formatCurrency(value),
                        minimum: this.env.utils.formatCurrency(info.min_redemption),
                    }
                ) + (info.offline ? " " + _t("(the till is offline: the balance it last read)") : "")
            );
        }
        const added = await super.addNewPaymentLine(...arguments);
        if (added) {
            const line = this.selectedPaymentLine;
            this.loyaltyPointsCaps[line.uuid] = max;
            line.set_amount(max);
            this.numberBuffer.set(max.toString());
        }
        return added;
    },

    /**
     * For a refund of an order paid partly with points: what still goes back as
     * points (the refund's share of what points paid, as the server checks it,
     * less the points lines already on the refund); null if no refunded order
     * was paid with points.
     */
    loyaltyPointsRefundShare(order) {
        const originals = new Set(
            order.lines.map((line) => line.refunded_orderline_id?.order_id).filter(Boolean)
        );
        let owed = 0;
        let paid = false;
        for (const original of originals) {
            const points = original.payment_ids
                .filter((p) => p.payment_method_id.loyalty_points_redeem)
                .reduce((total, p) => total + p.amount, 0);
            const total = original.get_total_with_tax();
            if (points && total) {
                paid = true;
                owed += (-order.get_total_with_tax() * points) / total;
            }
        }
        if (!paid) {
            return null;
        }
        const given = order.payment_ids
            .filter((p) => p.payment_method_id.loyalty_points_redeem)
            .reduce((total, p) => total - p.amount, 0);
        return Math.max(owed - given, 0);
    },

    updateSelectedPaymentline(amount = false) {
        super.updateSelectedPaymentline(...arguments);
        const line = this.selectedPaymentLine;
        const cap = line && this.loyaltyPointsCaps[line.uuid];
        if (cap !== undefined && line.amount > cap) {
            line.set_amount(cap);
            this.numberBuffer.set(cap.toString());
            this.notification.add(
                _t("At most %(amount)s can be paid with points.", {
                    amount: this.env.utils.formatCurrency(cap),
                }),
                {type: "warning"}
            );
        }
    },

    async _finalizeValidation() {
        const order = this.currentOrder;
        const partner = order.get_partner();
        const points = order.payment_ids
            .filter((p) => p.payment_method_id.loyalty_points_redeem && p.amount > 0)
            .reduce((total, p) => total + p.amount, 0);
        const result = await super._finalizeValidation(...arguments);
        if (partner && points && order.state !== "draft") {
            this.pos.loyaltyPointsSpent(partner, points);
        }
        return result;
    },
});
