import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("loyalty_points_partner_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open the Invoicing app"),
        {
            content: "Open the Customers menu",
            trigger: '.o_main_navbar button[data-menu-xmlid="account.menu_finance_receivables"]',
            run: "click",
        },
        {
            content: "Open the customers",
            trigger: '.dropdown-item[data-menu-xmlid="account.menu_account_customer"]',
            run: "click",
        },
        {
            content: "Search the customer",
            trigger: ".o_searchview_input",
            run: "edit Tour Customer",
        },
        {
            content: "Wait for the search suggestions",
            trigger: ".dropdown-menu.o_searchview_autocomplete",
        },
        {
            content: "Search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Open the customer's form",
            trigger: '.o_kanban_record:contains("Tour Customer")',
            run: "click",
        },
        {
            content: "The points smart button shows the balance; open the ledger",
            trigger: '.o_form_view button[name="action_view_loyalty_points"]:contains("120")',
            run: "click",
        },
        {
            content: "The ledger lists the customer's entry",
            trigger: '.o_list_view .o_data_row:contains("Welcome gift"):contains("Tour Customer")',
        },
        {
            content: "The ledger's total is the balance",
            trigger: '.o_list_view tfoot:contains("120")',
        },
    ],
});
