import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/tours/utils/ticket_screen_util";
import {negate} from "@point_of_sale/../tests/tours/utils/common";
import {registry} from "@web/core/registry";

// The customers (test_tour_counter.py): "AAA Loyal Customer" has 3,000 points
// worth 30.00, "AAB Few Points" 50 points worth 0.50; paying with points starts
// at 1.00. A haircut is 50.00, tax free.

function start() {
    return [...Chrome.startPoS(), Dialog.confirm("Open Register")];
}

function sell(quantity, customer) {
    return [
        ProductScreen.addOrderline("Tour Haircut", quantity),
        ...(customer
            ? [ProductScreen.clickPartnerButton(), ProductScreen.clickCustomer(customer)]
            : []),
        ProductScreen.clickPayButton(),
    ].flat();
}

function paymentShowsPoints(text, redeemable) {
    return [
        {
            content: `the payment screen shows the customer's points: "${text}"`,
            trigger: `.payment-screen .loyalty-points-payment:contains("${text}")`,
        },
        {
            content: redeemable
                ? "with the red light: the points reach the minimum redemption"
                : "without the red light: the points are below the minimum redemption",
            trigger: redeemable
                ? ".payment-screen .loyalty-points-payment .loyalty-points-redeemable"
                : negate(".loyalty-points-redeemable", ".payment-screen .loyalty-points-payment"),
        },
    ];
}

function dialogSays(text) {
    return {
        content: `the dialog says "${text}"`,
        trigger: `.modal .modal-body:contains("${text}")`,
    };
}

function receiptHas(selector, text) {
    return {
        content: `the receipt prints "${text}"`,
        trigger: `.receipt-screen .pos-receipt ${selector}:contains("${text}")`,
    };
}

function finish() {
    return [
        PaymentScreen.clickValidate(),
        ReceiptScreen.receiptIsThere(),
        ReceiptScreen.clickNextOrder(),
    ].flat();
}

registry.category("web_tour.tours").add("loyalty_points_pos_limit_tour", {
    steps: () =>
        [
            start(),
            // Below the minimum redemption: the method says why and adds nothing.
            sell("1", "AAB Few Points"),
            paymentShowsPoints("AAB Few Points: 50 points", false),
            PaymentScreen.clickPaymentMethod("Loyalty Points"),
            dialogSays("AAB Few Points has points worth"),
            dialogSays("must be paid with points"),
            Dialog.confirm(),
            PaymentScreen.emptyPaymentlines("50.00"),
            // The card pays it all (and does not earn: nothing in the ledger).
            PaymentScreen.clickPaymentMethod("Bank", true, {remaining: "0.00"}),
            finish(),
            // Fewer points than the order: the line is capped at their worth,
            // and a larger amount is refused with a message.
            sell("1", "AAA Loyal Customer"),
            paymentShowsPoints("AAA Loyal Customer: 3,000 points", true),
            PaymentScreen.clickPaymentMethod("Loyalty Points", true, {
                remaining: "20.00",
                amount: "30.00",
            }),
            PaymentScreen.clickNumpad("5 0"),
            {
                content: "the cashier is told the most points can pay",
                trigger: '.o_notification:contains("can be paid with points")',
            },
            PaymentScreen.selectedPaymentlineHas("Loyalty Points", "30.00"),
            PaymentScreen.remainingIs("20.00"),
            PaymentScreen.clickPaymentMethod("Cash", true, {remaining: "0.00"}),
            PaymentScreen.clickValidate(),
            ReceiptScreen.receiptIsThere(),
            receiptHas(".loyalty-points-spent", "Points used: 3,000"),
            receiptHas(".loyalty-points-earned", "Points earned: 40"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

// 2 haircuts (100.00): 30.00 in points, 70.00 cash; then one is refunded.
registry.category("web_tour.tours").add("loyalty_points_pos_refund_tour", {
    steps: () =>
        [
            start(),
            sell("2", "AAA Loyal Customer"),
            PaymentScreen.clickPaymentMethod("Loyalty Points", true, {
                remaining: "70.00",
                amount: "30.00",
            }),
            PaymentScreen.clickPaymentMethod("Cash", true, {remaining: "0.00"}),
            finish(),
            ...ProductScreen.clickRefund(),
            TicketScreen.selectOrderByPrice("100.00"),
            ProductScreen.clickNumpad("1"),
            TicketScreen.toRefundTextContains("To Refund: 1.00"),
            TicketScreen.confirmRefund(),
            ProductScreen.isShown(),
            ProductScreen.clickPayButton(),
            PaymentScreen.totalIs("-50.00"),
            // The customer's points as read now: 140 earned by the sale.
            paymentShowsPoints("AAA Loyal Customer: 140 points", true),
            // The share paid with points (30%: 15.00) goes back as points: the
            // method fills in that share, not the whole refund.
            PaymentScreen.clickPaymentMethod("Loyalty Points", true, {amount: "-15.00"}),
            PaymentScreen.clickPaymentMethod("Cash", true, {remaining: "0.00"}),
            finish(),
        ].flat(),
});

/**
 * Validating offline, Odoo's payment screen goes on to the receipt and leaves the
 * connection error unhandled: the POS shows its "Connection Lost" dialog for it
 * and the error service logs it with console.error, which fails a tour. While
 * offline, that one expected error is logged as a warning.
 */
let consoleError = null;

function goOffline() {
    return [
        {
            content: "the connection drops",
            trigger: "body",
            run: () => {
                consoleError = console.error;
                console.error = (message, ...args) => {
                    const expected = String(message).startsWith("ConnectionLostError");
                    (expected ? console.warn : consoleError)(message, ...args);
                };
                window.dispatchEvent(new Event("offline"));
            },
        },
        {
            content: "the till shows it is offline",
            trigger: ".pos-rightheader .fa-chain-broken",
        },
    ];
}

function goOnline() {
    return [
        {
            content: "the connection comes back",
            trigger: "body",
            run: () => {
                window.dispatchEvent(new Event("online"));
                console.error = consoleError;
            },
        },
        {
            content: "the till shows it is online",
            trigger: negate(".fa-chain-broken", ".pos-rightheader"),
        },
    ];
}

registry.category("web_tour.tours").add("loyalty_points_pos_offline_tour", {
    steps: () =>
        [
            start(),
            sell("1", "AAA Loyal Customer"),
            paymentShowsPoints("AAA Loyal Customer: 3,000 points", true),
            // Offline, points pay up to the balance the till last read.
            goOffline(),
            PaymentScreen.clickPaymentMethod("Loyalty Points", true, {
                remaining: "20.00",
                amount: "30.00",
            }),
            PaymentScreen.clickPaymentMethod("Cash", true, {remaining: "0.00"}),
            PaymentScreen.clickValidate(),
            Dialog.confirm("Continue with limited functionality"),
            ReceiptScreen.receiptIsThere(),
            receiptHas(".loyalty-points-offline", "credited when this order syncs"),
            ReceiptScreen.clickNextOrder(),
            // Back online, the next sale sends the queued one with it.
            goOnline(),
            sell("1"),
            PaymentScreen.clickPaymentMethod("Cash", true, {remaining: "0.00"}),
            finish(),
        ].flat(),
});
