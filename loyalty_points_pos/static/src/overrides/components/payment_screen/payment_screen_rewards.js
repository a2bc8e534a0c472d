import {PaymentScreen} from "@point_of_sale/app/screens/payment_screen/payment_screen";
import {patch} from "@web/core/utils/patch";

patch(PaymentScreen.prototype, {
    /** After an order gives rewards, the till does not offer their points again. */
    async _finalizeValidation() {
        const order = this.currentOrder;
        const partner = order.get_partner();
        const points = this.pos.loyaltyPointsRewardPoints(order);
        const result = await super._finalizeValidation(...arguments);
        const info = partner && this.pos.loyaltyPointsBalances[partner.id];
        if (info && points && order.state !== "draft") {
            this.pos.loyaltyPointsSpent(partner, points * (info.point_value || 0));
        }
        return result;
    },
});
