"""Payer names: normalised (legal forms, abbreviations, accents, punctuation) and found fuzzily."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

_WORD = re.compile(r"[a-z0-9]+")


def normalise_name(name: str, legal_forms: frozenset[str], abbreviations: dict[str, str]) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    glued = False
    words: list[str] = []
    for w in _WORD.findall(text):
        if len(w) == 1 and words and len(words[-1]) < 4 and words[-1].isalpha() and w.isalpha() and glued:
            words[-1] += w  # S.A., B.V., S.r.l. -> sa, bv, srl
        else:
            words.append(w)
        glued = len(w) == 1
    words = [abbreviations.get(w, w) for w in words]
    kept = [w for w in words if w not in legal_forms]
    return " ".join(kept or words)


def acronym(normalised: str) -> str:
    words = normalised.split()
    return "".join(w[0] for w in words) if len(words) >= 2 else ""


@dataclass
class NameIndex:
    legal_forms: frozenset[str]
    abbreviations: dict[str, str]
    min_score: int
    by_name: dict[str, set[str]] = field(default_factory=dict)
    by_acronym: dict[str, set[str]] = field(default_factory=dict)
    #: Token-sorted names (rapidfuzz ``ratio`` on them is ``token_sort_ratio``) and their plain forms.
    _choices: list[str] = field(default_factory=list)
    _plain: list[str] = field(default_factory=list)
    _found: dict[str, tuple[str, str, float] | None] = field(default_factory=dict)

    def normalise(self, name: str) -> str:
        return normalise_name(name, self.legal_forms, self.abbreviations)

    def add(self, customer: str, name: str) -> None:
        key = self.normalise(name)
        if not key:
            return
        if key not in self.by_name:
            self._choices.append(" ".join(sorted(key.split())))
            self._plain.append(key)
            self._found.clear()
        self.by_name.setdefault(key, set()).add(customer)
        short = acronym(key)
        if len(short) >= 3:
            self.by_acronym.setdefault(short, set()).add(customer)

    def find(self, name: str) -> tuple[str, str, float] | None:
        """``(customer, "exact"|"fuzzy", score 0-100)`` for a single customer, else None."""
        key = self.normalise(name)
        if not key:
            return None
        if key not in self._found:
            self._found[key] = self._find(key)
        return self._found[key]

    def _find(self, key: str) -> tuple[str, str, float] | None:
        exact = self.by_name.get(key)
        if exact is not None:
            return (next(iter(exact)), "exact", 100.0) if len(exact) == 1 else None
        compact = key.replace(" ", "")
        by_acronym = self.by_acronym.get(compact)
        if by_acronym is not None and len(by_acronym) == 1:
            return next(iter(by_acronym)), "fuzzy", float(self.min_score)
        query = " ".join(sorted(key.split()))
        best = process.extract(query, self._choices, scorer=fuzz.ratio, processor=None,
                               score_cutoff=self.min_score, limit=2)
        if not best:
            return None
        _, score, index = best[0]
        customers = self.by_name[self._plain[index]]
        if len(best) > 1 and best[1][1] >= score - 2 and self.by_name[self._plain[best[1][2]]] != customers:
            return None  # two different customers are about equally close
        return (next(iter(customers)), "fuzzy", float(score)) if len(customers) == 1 else None
