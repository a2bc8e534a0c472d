import {PosOrderline} from "@point_of_sale/app/models/pos_order_line";
import {patch} from "@web/core/utils/patch";

patch(PosOrderline.prototype, {
    /** A reward line is one reward at no charge: never merged with a sale. */
    can_be_merged_with(orderline) {
        if (this.loyalty_points_reward_id || orderline.loyalty_points_reward_id) {
            return false;
        }
        return super.can_be_merged_with(...arguments);
    },
});
