"""A seeded generator of realistic receivables portfolios for demos, tests and benchmarks.

Pure Python: no Django, no IO, no clock. The same arguments (customers, years, seed,
as_of) always produce the same rows, on any machine: every random draw comes from
``random.Random`` instances seeded from ``seed`` (one for the portfolio plan, one for the
FX rates, one per corporate group), and only IEEE-exact operations are applied to draws
(no ``gauss``/``lognormvariate``, whose libm functions may differ between platforms).
Amounts are computed in integer minor units and emitted as ``Decimal`` quantised to the
currency's minor unit.

Volume: on average :data:`INVOICES_PER_CUSTOMER_YEAR` invoices per customer and year
(so ``customers=50_000, years=2`` gives about one million invoices), plus about 0.1 credit
notes (returns, disputes, cash discounts), 0.01 debit notes, 0.75 payments and 1.0
allocations per invoice, 1.85 contacts per customer, and one FX rate per currency and
business day.

What the portfolio contains:

* four selling companies (DE01 EUR, GB01 GBP, US01 USD, JP01 JPY); customers in 27
  countries, invoiced by the company of their region, some in their local currency
  (CHF, PLN, SEK) and some also by a second company;
* corporate groups (a holding with subsidiaries, sometimes paying centrally for them);
* NACE Rev. 2 industries, company names with each country's legal forms, registration
  and VAT numbers with valid check digits (python-stdnum), contacts, bank accounts
  (IBANs with valid check digits, from schwifty);
* payment terms (net 14/30/45/60/90, 2/10 net 30, 1/14 net 45);
* seasonal invoicing with growth, month-end peaks, business days only;
* payment behaviours (:data:`BEHAVIOURS`): prompt, slow, chronically late,
  deteriorating, disputing, defaulting — with partial payments, payment runs covering
  several invoices, cash discounts and returns settled by credit notes, disputed items
  left open or short-paid, bank charges deducted, a few misapplied and reversed
  allocations, overpayments, unidentified payments, and cash received but not yet applied;
* daily EUR reference rates for every currency used (a bounded random walk).

Rows carry explicit ids starting at 1 per table; the loader shifts them past the ids
already used in the database.

Modules: :mod:`~credere.demo.generator.portfolio` (:class:`PortfolioGenerator`, the
entry point), :mod:`~credere.demo.generator.simulation` (one group's invoices and
payments), :mod:`~credere.demo.generator.rows` (what is yielded),
:mod:`~credere.demo.generator.reference` (companies, terms, currencies, countries,
industries, behaviours), :mod:`~credere.demo.generator.names`,
:mod:`~credere.demo.generator.identifiers`, :mod:`~credere.demo.generator.records`
(the simulation's working state), :mod:`~credere.demo.generator.dates` and
:mod:`~credere.demo.generator.draws` (platform-independent random draws).
"""

