import {PosOrder} from "@point_of_sale/app/models/pos_order";
import {formatLoyaltyPoints} from "@loyalty_points_pos/loyalty_points_format";
import {patch} from "@web/core/utils/patch";

patch(PosOrder.prototype, {
    /**
     * The receipt prints what the server wrote when the order synced (the
     * browser's figures are never trusted): points earned, used, and the new
     * balance; for an order not synced yet, that its points are credited when
     * it syncs.
     */
    export_for_printing(baseUrl, headerData) {
        const result = super.export_for_printing(...arguments);
        const partner = this.get_partner();
        if (!partner || ["off", false, undefined].includes(this.config.loyalty_points_state)) {
            return result;
        }
        const earned = this.loyalty_points_earned || 0;
        const spent = this.loyalty_points_spent || 0;
        result.loyaltyPoints = {
            synced: typeof this.id === "number",
            earned: earned && formatLoyaltyPoints(earned),
            spent: spent && formatLoyaltyPoints(spent),
            balance: formatLoyaltyPoints(this.loyalty_points_balance || 0),
            pendingHours: earned > 0 ? this.config.loyalty_points_pending_hours || 0 : 0,
        };
        return result;
    },
});
