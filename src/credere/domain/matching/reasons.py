"""Machine-readable reason codes of a matching proposal (shown to users in plain words)."""

REFERENCE_EXACT = "REFERENCE_EXACT"
REFERENCE_FUZZY = "REFERENCE_FUZZY"
REFERENCE_SUBSET = "REFERENCE_SUBSET"
PAYER_ACCOUNT = "PAYER_ACCOUNT"
PAYER_ACCOUNT_LEARNED = "PAYER_ACCOUNT_LEARNED"
PAYER_NAME_EXACT = "PAYER_NAME_EXACT"
PAYER_NAME_FUZZY = "PAYER_NAME_FUZZY"
PAYER_NAME_LEARNED = "PAYER_NAME_LEARNED"
PAYER_BY_REFERENCE = "PAYER_BY_REFERENCE"
PAYER_MISMATCH = "PAYER_MISMATCH"
SEVERAL_CUSTOMERS = "SEVERAL_CUSTOMERS"
AMOUNT_EXACT = "AMOUNT_EXACT"
DISCOUNT_TAKEN = "DISCOUNT_TAKEN"
BANK_CHARGES = "BANK_CHARGES"
SMALL_DIFFERENCE = "SMALL_DIFFERENCE"
DEDUCTION = "DEDUCTION"
OVERPAYMENT = "OVERPAYMENT"
PARTIAL_PAYMENT = "PARTIAL_PAYMENT"
COMBINATION = "COMBINATION"
SINGLE_ITEM = "SINGLE_ITEM"
AMBIGUOUS = "AMBIGUOUS"
NO_AMOUNT_MATCH = "NO_AMOUNT_MATCH"
NO_CANDIDATES = "NO_CANDIDATES"
NOT_A_RECEIPT = "NOT_A_RECEIPT"
CREDIT_NOTE_NETTED = "CREDIT_NOTE_NETTED"
AMOUNT_ONLY = "AMOUNT_ONLY"
PAYER_REFERENCE_LEARNED = "PAYER_REFERENCE_LEARNED"
PAYER_CUSTOMER_NUMBER = "PAYER_CUSTOMER_NUMBER"
#: Proposals made outside the engine: a clerk's own match, and one that follows a remittance advice.
MANUAL = "MANUAL"
REMITTANCE_ADVICE = "REMITTANCE_ADVICE"

#: Each code in plain words, as the UI shows it next to a proposal.
REASON_TEXT: dict[str, str] = {
    REFERENCE_EXACT: "The payment text quotes the document number or another reference of the item",
    REFERENCE_FUZZY: "The payment text quotes a reference that is nearly the item's (a typo or a cut-off end)",
    REFERENCE_SUBSET: "The amount pays some, not all, of the items the payment text quotes",
    PAYER_ACCOUNT: "The payer's bank account is known to belong to this customer",
    PAYER_ACCOUNT_LEARNED: "The payer's bank account was linked to this customer by another payment of this batch",
    PAYER_NAME_EXACT: "The payer's name is the customer's name",
    PAYER_NAME_FUZZY: "The payer's name is close to the customer's name",
    PAYER_NAME_LEARNED: "The payer's name was matched to this customer before",
    PAYER_REFERENCE_LEARNED: "The payment text quotes a reference this customer used before (customer or "
                             "contract number)",
    PAYER_CUSTOMER_NUMBER: "The payment text quotes the customer's account number",
    MANUAL: "Matched by hand by a clerk",
    REMITTANCE_ADVICE: "The payer's remittance advice lists these items and amounts, and they add up to the payment",
    PAYER_BY_REFERENCE: "The payer is not known; the quoted items tell which customer paid",
    PAYER_MISMATCH: "The payer seems to be another customer than the one the items belong to",
    SEVERAL_CUSTOMERS: "The items belong to more than one customer",
    AMOUNT_EXACT: "The amount is exactly what is open on the items",
    DISCOUNT_TAKEN: "The amount is what is open less the cash discount still allowed",
    BANK_CHARGES: "A little less than is open was paid, about what banks charge",
    SMALL_DIFFERENCE: "The amount differs from what is open by a few cents or units (rounding, bank fees): the "
                      "items are settled and the difference recorded as a small difference",
    DEDUCTION: "Less than is open was paid; the difference stays open as a deduction to clear up",
    OVERPAYMENT: "More than is open was paid; the rest of the payment stays unapplied",
    PARTIAL_PAYMENT: "Much less than is open was paid; the items stay partly open",
    COMBINATION: "Several items together add up to the amount",
    SINGLE_ITEM: "One item alone explains the amount",
    AMBIGUOUS: "Other items would explain the amount equally well: please check",
    NO_AMOUNT_MATCH: "The payer is known, but no combination of its open items fits the amount",
    NO_CANDIDATES: "Nothing in the payment points to an open item",
    NOT_A_RECEIPT: "The amount is zero or negative: this is not money received",
    CREDIT_NOTE_NETTED: "The amount is the customer's invoices less its open credit notes",
    AMOUNT_ONLY: "Only the amount points to this item; the payer and the references are unknown",
}
