import {ConnectionLostError} from "@web/core/network/rpc";
import {PosStore} from "@point_of_sale/app/store/pos_store";
import {patch} from "@web/core/utils/patch";

patch(PosStore.prototype, {
    async setup() {
        // {partner id: what the till last read of the customer's points}
        this.loyaltyPointsBalances = {};
        return await super.setup(...arguments);
    },

    /**
     * The order the cashier is validating now is checked strictly when it syncs:
     * a redemption the server refuses is an error, and the order stays open.
     * Orders that were sold offline and now drain from the queue are kept as
     * sold (see pos.order._loyalty_points_pos_sync).
     */
    getSyncAllOrdersContext(orders, options = {}) {
        const context = super.getSyncAllOrdersContext(...arguments);
        const order = this.get_order();
        if (options.throw && order) {
            context.loyalty_points_strict_uuids = [order.uuid];
        }
        return context;
    },

    async selectPartner() {
        const result = await super.selectPartner(...arguments);
        const partner = this.get_order()?.get_partner();
        if (partner) {
            // Read the customer's points now (the loaded ones may be stale);
            // offline, the till keeps what it last read.
            this.loyaltyPointsBalance(partner).catch(() => {});
        }
        return result;
    },

    /**
     * What the till knows of the customer's points: read from the server when
     * online, else what it last read (loaded with the customer, or fetched).
     * Never more than that: a till offline cannot spend points it has not seen.
     */
    async loyaltyPointsBalance(partner) {
        try {
            const info = await this.data.call(
                "res.partner",
                "loyalty_points_pos_balance",
                [[partner.id], this.config.id]
            );
            this.loyaltyPointsBalances[partner.id] = {...info, offline: false};
        } catch (error) {
            if (!(error instanceof ConnectionLostError)) {
                throw error;
            }
            const last = this.loyaltyPointsBalances[partner.id];
            this.loyaltyPointsBalances[partner.id] = last
                ? {...last, offline: true}
                : {
                      program: this.config.loyalty_points_state !== "off",
                      state: this.config.loyalty_points_state,
                      available: partner.loyalty_points_available || 0,
                      value: partner.loyalty_points_value || 0,
                      point_value: this.config.loyalty_points_point_value,
                      min_redemption: this.config.loyalty_points_min_redemption,
                      offline: true,
                  };
        }
        return this.loyaltyPointsBalances[partner.id];
    },

    /** After an order is paid with points, the till does not offer them again. */
    loyaltyPointsSpent(partner, amount) {
        const info = this.loyaltyPointsBalances[partner.id];
        if (info && info.point_value) {
            info.value = Math.max(info.value - amount, 0);
            info.available = Math.max(info.available - amount / info.point_value, 0);
        }
    },
});
