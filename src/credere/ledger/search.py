"""What the shell's global search finds in the ledger: customers, documents and payments."""

from __future__ import annotations

from django.urls import reverse

from credere.ledger import selectors
from credere.web.search import Section


def find(q: str, limit: int) -> list[Section]:
    found = selectors.search(q, limit)
    return [
        Section("customers", "Customers", found.customers, "ledger/search/customers.html",
                "ledger/search/_customers_suggest.html", lambda c: reverse("web:customer", args=[c.pk])),
        Section("items", "Documents", found.items, "ledger/search/items.html",
                "ledger/search/_items_suggest.html", lambda i: reverse("web:item", args=[i.pk])),
        Section("payments", "Payments", found.payments, "ledger/search/payments.html",
                "ledger/search/_payments_suggest.html", lambda p: reverse("web:payment", args=[p.pk])),
    ]
