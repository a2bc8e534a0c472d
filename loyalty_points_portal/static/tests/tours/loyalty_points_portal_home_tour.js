import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("loyalty_points_portal_home_tour", {
    url: "/my",
    steps: () => [
        {
            content: "The portal home page is shown to the customer",
            trigger: ".o_portal_my_home",
        },
        {
            content: "The account details are reachable",
            trigger: 'a[href="/my/account"]',
        },
    ],
});
