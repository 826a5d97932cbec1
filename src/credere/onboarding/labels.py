"""Words the applicant's pages show that are written elsewhere (the statement template's lines, statuses, the
kinds of document, the history's entries, the consent): marked here so that they are translated with the pages.
``gettext_noop`` only marks them; the templates translate them when they are shown."""

from django.utils.translation import gettext_noop

LABELS = (
    # statement lines (credere.domain.financials)
    gettext_noop("Fixed (non-current) assets"), gettext_noop("Inventory"), gettext_noop("Trade and other receivables"),
    gettext_noop("Cash and short-term securities"), gettext_noop("Other current assets"), gettext_noop("Share capital"),
    gettext_noop("Retained earnings and reserves"), gettext_noop("Other equity"), gettext_noop("Long-term liabilities"),
    gettext_noop("Short-term liabilities"), gettext_noop("Net sales (revenue)"),
    gettext_noop("Cost of products and goods sold"), gettext_noop("Operating profit"),
    gettext_noop("Depreciation and amortisation"), gettext_noop("Interest and other financial expenses"),
    gettext_noop("Profit before tax"), gettext_noop("Net profit"),
    # statuses and kinds of document (credere.onboarding.models)
    gettext_noop("Draft"), gettext_noop("Received"), gettext_noop("In review"), gettext_noop("More information needed"),
    gettext_noop("Waiting for approval"), gettext_noop("Approved"), gettext_noop("Declined"), gettext_noop("Withdrawn"),
    gettext_noop("Financial statements"), gettext_noop("Register extract"), gettext_noop("Identity document"),
    gettext_noop("Bank letter"), gettext_noop("Other"),
    # the history the applicant sees
    gettext_noop("Application started"), gettext_noop("Application received"),
    gettext_noop("Your application is being reviewed by our credit team"),
    gettext_noop("Withdrawn by the applicant"),
    gettext_noop("We cannot offer you credit terms at present. We can still supply you against payment in advance."),
    # the consent (settings.CREDERE_APPLICATION_CONSENT's default)
    gettext_noop("I confirm that the information given is complete and true, and I agree that it is checked, "
                 "including with credit bureaus, company registers and sanctions lists, and kept to decide and "
                 "manage our credit terms."),
)
