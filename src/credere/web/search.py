"""Global search: the shell's search box asks every context that registered a provider.

A context registers its provider once, in its ``AppConfig.ready()``::

    search.register(ledger_search)

A provider takes the query and a limit and returns its sections (customers, documents, …),
each rendered by the context's own templates: one for the search page, one for the
suggestions under the search box. The shell imports no context.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Section:
    """What one provider found of one kind."""

    key: str
    title: str
    rows: Sequence[Any]
    #: renders ``rows`` on the search page and in the suggestions (``section`` in its context)
    template: str
    suggest_template: str
    #: the page of one row (the search page goes straight there when it is the only result)
    url: Callable[[Any], str]


Provider = Callable[[str, int], list[Section]]

_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


@dataclass(frozen=True)
class Results:
    sections: list[Section]

    @property
    def count(self) -> int:
        return sum(len(s.rows) for s in self.sections)

    def rows(self, key: str) -> list[Any]:
        """What the section ``key`` found (empty when nothing)."""
        return [row for s in self.sections if s.key == key for row in s.rows]

    def only(self) -> str | None:
        """The page of the one thing found, when exactly one thing was found."""
        found = [s for s in self.sections if s.rows]
        if len(found) == 1 and len(found[0].rows) == 1:
            return found[0].url(found[0].rows[0])
        return None


def search(q: str, limit: int = 8) -> Results:
    q = q.strip()
    if len(q) < 2:
        return Results([])
    return Results([s for provider in _PROVIDERS for s in provider(q, limit) if s.rows])
