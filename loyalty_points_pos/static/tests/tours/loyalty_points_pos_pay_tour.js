import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import {registry} from "@web/core/registry";

function receiptHas(selector, text) {
    return {
        content: `the receipt prints "${text}"`,
        trigger: `.receipt-screen .pos-receipt ${selector}:contains("${text}")`,
    };
}

// The customer has 3,000 points worth 30.00; the order is 50.00.
registry.category("web_tour.tours").add("loyalty_points_pos_pay_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            // Without a customer, points cannot pay: the cashier is told why.
            ProductScreen.addOrderline("Tour Haircut", "1"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Loyalty Points"),
            Dialog.bodyIs("Points belong to a customer: choose the customer first."),
            Dialog.confirm(),
            PaymentScreen.emptyPaymentlines("50.00"),
            PaymentScreen.clickBack(),
            ProductScreen.clickPartnerButton(),
            // The partner list shows the customer's points and the red light.
            {
                content: "the partner list shows the available points",
                trigger: '.partner-line:contains("AAA Loyal Customer") .loyalty-points-partner:contains("3,000 points")',
            },
            {
                content: "and a mark: the points reach the minimum redemption",
                trigger: '.partner-line:contains("AAA Loyal Customer") .loyalty-points-redeemable',
            },
            ProductScreen.clickCustomer("AAA Loyal Customer"),
            ProductScreen.clickPayButton(),
            // Points pay what they are worth, at most: 30.00 of the 50.00.
            PaymentScreen.clickPaymentMethod("Loyalty Points", true, {
                remaining: "20.00",
                amount: "30.00",
            }),
            // A larger amount typed on the numpad is capped.
            PaymentScreen.clickNumpad("4 0"),
            PaymentScreen.selectedPaymentlineHas("Loyalty Points", "30.00"),
            PaymentScreen.clickPaymentMethod("Cash", true, {remaining: "0.00"}),
            PaymentScreen.clickValidate(),
            ReceiptScreen.receiptIsThere(),
            receiptHas(".loyalty-points-spent", "Points used: 3,000"),
            receiptHas(".loyalty-points-balance", "Points balance: 0"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
