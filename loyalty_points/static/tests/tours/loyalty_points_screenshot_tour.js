import {registry} from "@web/core/registry";

// ./dev screenshots captures docs/partner_form.png once the last step holds.
registry.category("web_tour.tours").add("loyalty_points_screenshot_partner_tour", {
    steps: () => [
        {
            content: "The points smart button shows the balance",
            trigger: '.o_form_view button[name="action_view_loyalty_points"] .o_stat_value:not(:empty)',
        },
        {
            content: "Open the Loyalty tab",
            trigger: '.o_notebook a.nav-link[name="loyalty_points"]',
            run: "click",
        },
        {
            content: "The Loyalty tab shows the balances and their worth",
            trigger: '.o_notebook .tab-pane.active .o_field_widget[name="loyalty_points_value"]:not(:empty)',
            run() {
                // The whole tab in the picture: the form scrolls up a little.
                this.anchor.closest(".o_notebook").scrollIntoView({block: "end", behavior: "instant"});
            },
        },
    ],
});
