import {ResPartner} from "@point_of_sale/app/models/res_partner";
import {formatLoyaltyPoints} from "@loyalty_points_pos/loyalty_points_format";
import {patch} from "@web/core/utils/patch";

patch(ResPartner.prototype, {
    get loyaltyPointsText() {
        return formatLoyaltyPoints(this.loyalty_points_available || 0);
    },
});
