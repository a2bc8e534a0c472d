import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

/**
 * The steps from the home menu to the form of the customer called ``name``.
 *
 * @param {String} name
 * @returns {Object[]}
 */
function openCustomerSteps(name) {
    return [
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
            // Else the search could go into the search box of the Invoicing app's
            // first screen, which the customers replace.
            content: "Wait for the customers",
            trigger: '.o_last_breadcrumb_item:contains("Customers")',
        },
        {
            content: "Search the customer",
            trigger: ".o_searchview_input",
            run: `edit ${name}`,
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
            trigger: `.o_kanban_record:contains("${name}")`,
            run: "click",
        },
    ];
}

/**
 * A step that fails unless the element found by ``trigger`` shows exactly
 * ``text``: its value for an input, else its text. ``:contains`` would also
 * match "120.00" for "120".
 *
 * @param {String} content
 * @param {String} trigger
 * @param {String} text
 * @returns {Object}
 */
function exactTextStep(content, trigger, text) {
    return {
        content,
        trigger,
        run() {
            const shown = (
                this.anchor.tagName === "INPUT" ? this.anchor.value : this.anchor.textContent
            ).trim();
            if (shown !== text) {
                throw new Error(`${content}: expected "${text}", got "${shown}".`);
            }
        },
    };
}

const smartButton = '.o_form_view button[name="action_view_loyalty_points"]';
const loyaltyTab = '.o_notebook a.nav-link[name="loyalty_points"]';
const balanceField = '.o_notebook .o_field_widget[name="loyalty_points_balance"]';
const ledgerTotal = ".o_list_view tfoot td.o_list_number";

registry.category("web_tour.tours").add("loyalty_points_partner_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomerSteps("Tour Customer"),
        exactTextStep(
            "The points smart button shows the balance in whole points",
            `${smartButton} .o_stat_value`,
            "120"
        ),
        {
            content: "Open the Loyalty tab",
            trigger: loyaltyTab,
            run: "click",
        },
        exactTextStep(
            "The Loyalty tab shows the balance in whole points",
            balanceField,
            "120"
        ),
        {
            content: "The points smart button opens the ledger",
            trigger: smartButton,
            run: "click",
        },
        {
            content: "The ledger lists the customer's entry",
            trigger: '.o_list_view .o_data_row:contains("Welcome gift"):contains("Tour Customer")',
        },
        exactTextStep(
            "The ledger's entry shows its points in whole points",
            '.o_list_view .o_data_row:contains("Welcome gift") td[name="points"]',
            "120"
        ),
        exactTextStep(
            "The ledger's total is the balance, in whole points",
            ledgerTotal,
            "120"
        ),
    ],
});

registry.category("web_tour.tours").add("loyalty_points_fraction_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomerSteps("Fraction Customer"),
        exactTextStep(
            "A balance with a fraction keeps the points precision",
            `${smartButton} .o_stat_value`,
            "12.50"
        ),
        {
            content: "Open the Loyalty tab",
            trigger: loyaltyTab,
            run: "click",
        },
        exactTextStep(
            "The Loyalty tab shows the fraction too",
            balanceField,
            "12.50"
        ),
        {
            content: "Open the form's actions",
            trigger: ".o_form_view .o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            content: "Grant points by hand",
            trigger: '.o-dropdown--menu .o-dropdown-item:contains("Grant or Deduct Points")',
            run: "click",
        },
        exactTextStep(
            "The wizard shows the current balance with its fraction",
            '.modal .o_field_widget[name="balance"]',
            "12.50"
        ),
        // The reason first: points above zero show the expiry date, which
        // redraws the fields below it, a reason being typed in among them.
        {
            content: "Type the reason",
            trigger: '.modal .o_field_widget[name="reason"] input',
            run: "edit Tour top-up",
        },
        {
            content: "Type points with a fraction",
            trigger: '.modal .o_field_widget[name="points"] input',
            run: "edit 2.5",
        },
        {
            content: "Leave the points field",
            trigger: ".modal .modal-title",
            run: "click",
        },
        exactTextStep(
            "The typed fraction is kept and shown at the points precision",
            // The expiry date shows once the record has the points.
            '.modal:has(.o_field_widget[name="expiry_date"]) .o_field_widget[name="points"] input',
            "2.50"
        ),
        {
            content: "Apply",
            trigger: '.modal button[name="action_apply"]',
            run: "click",
        },
        {
            content: "The wizard closes",
            trigger: "body:not(:has(.modal))",
        },
        exactTextStep(
            "The new balance is whole again, so without decimals",
            // :contains waits for the form to reload; the step checks the exact text.
            `${smartButton} .o_stat_value:contains("15")`,
            "15"
        ),
        {
            content: "The points smart button opens the ledger",
            trigger: smartButton,
            run: "click",
        },
        {
            content: "The ledger lists the grant",
            trigger: '.o_list_view .o_data_row:contains("Tour top-up")',
        },
        exactTextStep(
            "The grant shows its fraction",
            '.o_list_view .o_data_row:contains("Tour top-up") td[name="points"]',
            "2.50"
        ),
        exactTextStep(
            "The ledger's total of two fractions is whole",
            ledgerTotal,
            "15"
        ),
    ],
});
