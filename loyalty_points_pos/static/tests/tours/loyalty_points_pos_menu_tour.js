import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("loyalty_points_pos_menu_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("point_of_sale.menu_point_root", "Open the Point of Sale app"),
        {
            content: "Open the Configuration menu",
            trigger: '.o_main_navbar button[data-menu-xmlid="point_of_sale.menu_point_config_product"]',
            run: "click",
        },
        {
            content: "Open Loyalty Points Programs",
            trigger: '.dropdown-item[data-menu-xmlid="loyalty_points_pos.loyalty_points_pos_program_menu"]',
            run: "click",
        },
        {
            content: "The programs list is shown",
            trigger: ".o_list_view .o_data_cell:contains('Tour Club')",
        },
    ],
});
