import {PosOrderline} from "@point_of_sale/app/models/pos_order_line";
import {_t} from "@web/core/l10n/translation";
import {patch} from "@web/core/utils/patch";

patch(PosOrderline.prototype, {
    /** A reward line is one reward at no charge: never merged with a sale. */
    can_be_merged_with(orderline) {
        if (this.loyalty_points_reward_id || orderline.loyalty_points_reward_id) {
            return false;
        }
        return super.can_be_merged_with(...arguments);
    },

    /** A reward line gives one reward (or none, to remove it). */
    set_quantity(quantity, keep_price) {
        const quant = typeof quantity === "number" ? quantity : parseFloat("" + (quantity || 0));
        if (this.loyalty_points_reward_id && quant !== 0 && quant !== 1) {
            return {
                title: _t("Rewards"),
                body: _t("A reward line gives one reward: choose the reward again to give another."),
            };
        }
        return super.set_quantity(...arguments);
    },

    /** A reward is given at no charge: its line's price stays 0. */
    set_unit_price(price) {
        return super.set_unit_price(this.loyalty_points_reward_id ? 0 : price);
    },
});
