import {PosStore} from "@point_of_sale/app/store/pos_store";
import {patch} from "@web/core/utils/patch";

patch(PosStore.prototype, {
    /** Points the order's reward lines take (the server redeems them at sync). */
    loyaltyPointsRewardPoints(order) {
        return order.lines
            .filter((line) => line.loyalty_points_reward_id && line.qty > 0)
            .reduce((total, line) => total + line.loyalty_points_reward_id.points_cost * line.qty, 0);
    },

    /**
     * What is left of the points the till knows the customer has, once the
     * order's reward lines and points payments are taken off.
     */
    loyaltyPointsLeft(order, info) {
        const paid = order.payment_ids
            .filter((p) => p.payment_method_id.loyalty_points_redeem && p.amount > 0)
            .reduce((total, p) => total + p.amount, 0);
        const paidPoints = info.point_value ? paid / info.point_value : 0;
        return (info.available || 0) - this.loyaltyPointsRewardPoints(order) - paidPoints;
    },
});
