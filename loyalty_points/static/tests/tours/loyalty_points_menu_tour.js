import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("loyalty_points_menu_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open the Invoicing app"),
        {
            content: "Open the Configuration menu",
            trigger: '.o_main_navbar button[data-menu-xmlid="account.menu_finance_configuration"]',
            run: "click",
        },
        {
            content: "Open Loyalty Programs",
            trigger: '.dropdown-item[data-menu-xmlid="loyalty_points.loyalty_points_program_menu"]',
            run: "click",
        },
        {
            content: "The programs list shows the demo program",
            trigger: '.o_list_view .o_data_cell:contains("Tour Club")',
        },
    ],
});
