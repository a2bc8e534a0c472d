import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("loyalty_points_portal_card_tour", {
    url: "/my",
    steps: () => [
        {
            content: "The points card shows the available points",
            trigger: ".o_loyalty_points_card_available:contains(50,000)",
        },
        {
            content: "and their worth",
            trigger: ".o_loyalty_points_card_value:contains(500.00)",
        },
        {
            content: "The card opens the points page",
            trigger: ".o_portal_index_card a[href='/my/points']",
            run: "click",
        },
        {
            content: "The points page shows the same balance",
            trigger: ".o_loyalty_points_available_points:contains(50,000)",
        },
        {
            content: "with a breadcrumb back home",
            trigger: ".o_portal_submenu .breadcrumb-item.active:contains(Your Points)",
        },
    ],
});

registry.category("web_tour.tours").add("loyalty_points_portal_page_tour", {
    url: "/my/points",
    steps: () => [
        {
            content: "The available points, at phone width",
            trigger: ".o_loyalty_points_available_points:contains(800)",
        },
        {
            content: "The pending points with the date they become available",
            trigger: ".o_loyalty_points_pending_lot:contains(available from)",
        },
        {
            content: "The next expiry",
            trigger: ".o_loyalty_points_expiring_lot:contains(300 points on)",
        },
        {
            content: "The reward the customer can afford is marked",
            trigger: ".o_loyalty_points_affordable:contains(Free coffee) .badge",
        },
        {
            content: "The history shows the points of each entry",
            trigger: ".o_loyalty_points_entry .o_loyalty_points_points:contains(+500)",
        },
        {
            content: "The page fits the phone: the history scrolls within its table",
            trigger: ".table-responsive .o_loyalty_points_entry",
            run() {
                const width = document.documentElement.scrollWidth;
                if (width > window.innerWidth + 1) {
                    throw new Error(`the page is ${width}px wide on a ${window.innerWidth}px screen`);
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("loyalty_points_portal_pay_tour", {
    steps: () => [
        {
            content: "The invoice offers to pay with points",
            trigger: ".o_loyalty_points_offer_points:contains(10,000)",
        },
        {
            content: "Pay with points",
            trigger: ".o_loyalty_points_pay_button",
            run: "click",
        },
        {
            content: "The confirmation tells the points it takes",
            trigger: ".modal.show .modal-body:contains(10,000)",
        },
        {
            content: "Confirm",
            trigger: ".modal.show .o_loyalty_points_confirm",
            run: "click",
        },
        {
            content: "The customer reads that the invoice is paid",
            trigger: ".o_loyalty_points_message[data-code=paid]",
        },
    ],
});
