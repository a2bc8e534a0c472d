import {registry} from "@web/core/registry";

// ./dev screenshots captures docs/portal_points.png once the last step holds.
registry.category("web_tour.tours").add("loyalty_points_portal_screenshot_tour", {
    url: "/my/points",
    steps: () => [
        {
            content: "The available points",
            trigger: ".o_loyalty_points_available_points:contains(800)",
        },
        {
            content: "The pending points",
            trigger: ".o_loyalty_points_pending_lot",
        },
        {
            content: "The rewards",
            trigger: ".o_loyalty_points_affordable .badge",
        },
        {
            content: "The history",
            trigger: ".o_loyalty_points_entry .o_loyalty_points_points",
        },
    ],
});
