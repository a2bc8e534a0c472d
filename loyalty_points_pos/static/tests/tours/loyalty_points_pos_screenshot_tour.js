import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import {registry} from "@web/core/registry";

// ./dev screenshots captures docs/pos_payment.png once the last step holds. The
// customer has 3,000 points worth 30.00; the order is 50.00.
registry.category("web_tour.tours").add("loyalty_points_pos_screenshot_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Tour Haircut", "1"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Aaron Berger"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Loyalty Points", true, {
                remaining: "20.00",
                amount: "30.00",
            }),
            {
                content: "the customer's points show below the total",
                trigger: '.payment-screen .loyalty-points-payment:contains("3,000 points")',
            },
        ].flat(),
});
