"""Writes to the receivables ledger. Each service authorises, validates, locks, audits.

Amounts arrive as ``Decimal`` (or strings the API/import adapters already checked) and
are validated with :mod:`credere.domain.money`; the allocation invariants come from
:mod:`credere.domain.allocation`.
"""
