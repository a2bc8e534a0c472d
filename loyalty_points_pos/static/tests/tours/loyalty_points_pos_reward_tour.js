import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as SelectionPopup from "@point_of_sale/../tests/tours/utils/selection_popup_util";
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import {registry} from "@web/core/registry";

function receiptHas(selector, text) {
    return {
        content: `the receipt prints "${text}"`,
        trigger: `.receipt-screen .pos-receipt ${selector}:contains("${text}")`,
    };
}

// The customer has 3,000 points; the catalogue has a shampoo for 800 points and
// a spa day for 5,000.
registry.category("web_tour.tours").add("loyalty_points_pos_reward_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Tour Haircut", "1"),
            // Without a customer, the cashier is told to choose one.
            ProductScreen.clickControlButton("Rewards"),
            Dialog.bodyIs("Rewards are paid with points: choose the customer first."),
            Dialog.confirm(),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("AAA Loyal Customer"),
            ProductScreen.clickControlButton("Rewards"),
            // Only what the customer can afford, with its cost.
            {
                content: "the rewards list says the points available",
                trigger: '.modal-title:contains("3,000 points available")',
            },
            SelectionPopup.has("Free Shampoo"),
            SelectionPopup.has("800 points"),
            {
                content: "the spa day is out of reach",
                trigger: ".modal:not(:has(.selection-item:contains('Spa Day')))",
            },
            SelectionPopup.has("Free Shampoo", {run: "click"}),
            ProductScreen.selectedOrderlineHas("Tour Shampoo", "1", "0.00"),
            // One reward a line, at no charge: the numpad changes neither.
            ProductScreen.clickNumpad("2"),
            Dialog.bodyIs("A reward line gives one reward: choose the reward again to give another."),
            Dialog.confirm(),
            ProductScreen.clickNumpad("Price", "5"),
            ProductScreen.selectedOrderlineHas("Tour Shampoo", "1", "0.00"),
            ProductScreen.clickNumpad("Qty"),
            // The points the order already uses are not offered again.
            ProductScreen.clickControlButton("Rewards"),
            {
                content: "the rewards list takes off the shampoo's points",
                trigger: '.modal-title:contains("2,200 points available")',
            },
            ProductScreen.clickCloseButton(),
            ProductScreen.clickPayButton(),
            PaymentScreen.totalIs("50.00"),
            PaymentScreen.clickPaymentMethod("Cash", true, {remaining: "0.00"}),
            PaymentScreen.clickValidate(),
            ReceiptScreen.receiptIsThere(),
            receiptHas(".loyalty-points-spent", "Points used: 800"),
            receiptHas(".loyalty-points-earned", "Points earned: 100"),
            receiptHas(".loyalty-points-balance", "Points balance: 2,300"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
