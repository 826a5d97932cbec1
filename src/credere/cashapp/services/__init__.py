"""Cash application services (every write): the policy, statements in, remittance advices,
matching runs and applying, learning the payers, clerks' decisions.

Every write is authorised, runs in a transaction and leaves an audit event. Allocations are
made only through :func:`credere.ledger.services.allocate`, which locks the rows it touches,
so two runs at the same time can never apply the same money twice. Import the module you need
(``from credere.cashapp.services import decisions``); nothing is re-exported here.
"""
