import {AlertDialog} from "@web/core/confirmation_dialog/confirmation_dialog";
import {ControlButtons} from "@point_of_sale/app/screens/product_screen/control_buttons/control_buttons";
import {SelectionPopup} from "@point_of_sale/app/utils/input_popups/selection_popup";
import {_t} from "@web/core/l10n/translation";
import {formatLoyaltyPoints} from "@loyalty_points_pos/loyalty_points_format";
import {makeAwaitable} from "@point_of_sale/app/store/make_awaitable_dialog";
import {patch} from "@web/core/utils/patch";

patch(ControlButtons.prototype, {
    get loyaltyPointsRewardsShown() {
        return (
            this.pos.config.loyalty_points_state === "on" &&
            this.pos.models["loyalty.points.reward"].length > 0
        );
    },

    loyaltyPointsRewardsRefuse(body) {
        this.dialog.add(AlertDialog, {title: _t("Rewards"), body});
    },

    /**
     * The rewards of the catalogue the customer can afford with the points the
     * till knows (less those the order already uses); the chosen one is added
     * at no charge. The server redeems its points when the order syncs.
     */
    async clickLoyaltyPointsRewards() {
        const order = this.currentOrder;
        const partner = order.get_partner();
        if (!partner) {
            return this.loyaltyPointsRewardsRefuse(
                _t("Rewards are paid with points: choose the customer first.")
            );
        }
        const info = await this.pos.loyaltyPointsBalance(partner);
        if (!info.program || info.state !== "on") {
            return this.loyaltyPointsRewardsRefuse(
                info.state === "test"
                    ? _t("The loyalty program is in test mode: customers cannot spend points yet.")
                    : _t("The loyalty program is off.")
            );
        }
        if (!info.min_redemption) {
            return this.loyaltyPointsRewardsRefuse(
                _t("Paying with points is paused (the minimum redemption is 0).")
            );
        }
        const left = this.pos.loyaltyPointsLeft(order, info);
        const rewards = this.pos.models["loyalty.points.reward"]
            .filter((reward) => reward.product_id && reward.points_cost <= left + 1e-9)
            .sort((a, b) => a.points_cost - b.points_cost);
        if (!rewards.length) {
            return this.loyaltyPointsRewardsRefuse(
                _t("%(partner)s has %(points)s points left: no reward is within reach.", {
                    partner: partner.name,
                    points: formatLoyaltyPoints(Math.max(left, 0)),
                }) + (info.offline ? " " + _t("(the till is offline: the balance it last read)") : "")
            );
        }
        const reward = await makeAwaitable(this.dialog, SelectionPopup, {
            title: _t("Rewards: %(points)s points available", {
                points: formatLoyaltyPoints(left),
            }),
            list: rewards.map((reward) => ({
                id: reward.id,
                label: reward.name,
                description: _t("%(points)s points", {
                    points: formatLoyaltyPoints(reward.points_cost),
                }),
                item: reward,
            })),
        });
        if (!reward) {
            return;
        }
        await this.pos.addLineToCurrentOrder(
            {
                product_id: reward.product_id,
                price_unit: 0,
                loyalty_points_reward_id: reward,
            },
            {},
            false
        );
    },
});
