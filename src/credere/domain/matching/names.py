"""Payer names: normalised (legal forms, abbreviations, accents, punctuation) and found fuzzily.

A fuzzy look-up never scores every customer name. The index keeps, for every word of the
normalised names, the names holding it, and for every pair of words the names holding both;
the words themselves (and neighbouring words glued together, "NordWind") are indexed by their
one-character deletions, so that a word with one character wrong, missing, extra or swapped
finds its "near words". A payer name is scored (rapidfuzz) only against the names that share
two of its (near) words (a pair held by many names only when nothing rarer is shared), or
one (near) word that few names have: the work per look-up depends on how common the payer's
words are, not on the number of customers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from anyascii import anyascii
from rapidfuzz import fuzz, process

_WORD = re.compile(r"[a-z0-9]+")

#: Words shorter than this have no near words (only exact ones).
MIN_NEAR_WORD = 4
#: A single word is enough to make a name a candidate when at most this many names hold it (or a near word).
RARE_WORD_NAMES = 64
#: A pair of words is enough when at most this many names hold it; else only if nothing rarer is shared.
RARE_PAIR_NAMES = 256
#: Words of a name paired in the pair index (the first ones).
MAX_PAIRED_WORDS = 8


#: Legal forms written two ways, read as one when namesakes are told apart by their legal form.
_SAME_FORM = {"limited": "ltd", "incorporated": "inc", "corporation": "corp", "aktiengesellschaft": "ag",
              "company": "co"}


def _ascii(name: str) -> str:
    """Latin letters for any script (``ООО Северный Ветер`` → ``OOO Severnyy Veter``), accents dropped."""
    text = unicodedata.normalize("NFKC", name)
    return text if text.isascii() else anyascii(text)


def normalise_name(name: str, legal_forms: frozenset[str], abbreviations: dict[str, str], *,
                   keep_forms: bool = False) -> str:
    """Lower-case words, abbreviations spelt out, legal forms and fillers dropped (kept, in one
    spelling, with ``keep_forms``: what tells namesakes such as ``Nord GmbH`` and ``Nord Ltd`` apart)."""
    text = _ascii(name).lower()
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
    if keep_forms:
        return " ".join(_SAME_FORM.get(w, w) for w in words if w not in ("the", "and"))
    kept = [w for w in words if w not in legal_forms]
    return " ".join(kept or words)


def acronym(normalised: str) -> str:
    words = normalised.split()
    return "".join(w[0] for w in words) if len(words) >= 2 else ""


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _distinct(words: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(words))


def _glued(words: list[str]) -> list[str]:
    """Neighbouring words written as one ("NordWind" for "Nord Wind")."""
    return [a + b for a, b in zip(words, words[1:], strict=False)]


@dataclass
class NameIndex:
    legal_forms: frozenset[str]
    abbreviations: dict[str, str]
    min_score: int
    by_name: dict[str, set[str]] = field(default_factory=dict)
    #: Customer -> its normalised names; and, for names several customers share, the names with their legal forms.
    names_of: dict[str, set[str]] = field(default_factory=dict)
    by_full_name: dict[str, set[str]] = field(default_factory=dict)
    by_acronym: dict[str, set[str]] = field(default_factory=dict)
    #: Token-sorted names (rapidfuzz ``ratio`` on them is ``token_sort_ratio``) and their plain forms.
    _choices: list[str] = field(default_factory=list)
    _plain: list[str] = field(default_factory=list)
    #: Word -> numbers (indexes into ``_choices``) of the names holding it; pair of words -> the same.
    _by_word: dict[str, list[int]] = field(default_factory=dict)
    _by_pair: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    #: A word with one character deleted -> the indexed words it comes from.
    _word_deletions: dict[str, set[str]] = field(default_factory=dict)
    _normalised: dict[str, str] = field(default_factory=dict)
    _added: set[tuple[str, str]] = field(default_factory=set)
    _found: dict[str, tuple[str, str, float] | None] = field(default_factory=dict)

    def normalise(self, name: str) -> str:
        key = self._normalised.get(name)
        if key is None:
            key = self._normalised[name] = normalise_name(name, self.legal_forms, self.abbreviations)
        return key

    def add(self, customer: str, name: str) -> None:
        if (customer, name) in self._added:
            return
        self._added.add((customer, name))
        key = self.normalise(name)
        if not key:
            return
        if key not in self.by_name:
            number = len(self._choices)
            self._choices.append(" ".join(sorted(key.split())))
            self._plain.append(key)
            self._found.clear()
            words = _distinct(key.split())
            for word in _distinct([*words, *_glued(key.split())]):
                postings = self._by_word.get(word)
                if postings is None:
                    self._by_word[word] = [number]
                    if len(word) >= MIN_NEAR_WORD:
                        for d in _deletions(word):
                            self._word_deletions.setdefault(d, set()).add(word)
                else:
                    postings.append(number)
            for a, b in combinations(sorted(words[:MAX_PAIRED_WORDS]), 2):
                self._by_pair.setdefault((a, b), []).append(number)
        self.by_name.setdefault(key, set()).add(customer)
        self.names_of.setdefault(customer, set()).add(key)
        full = normalise_name(name, self.legal_forms, self.abbreviations, keep_forms=True)
        self.by_full_name.setdefault(full, set()).add(customer)
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

    def near_words(self, word: str) -> set[str]:
        """Indexed words equal to ``word`` or one character wrong, missing, extra or swapped away."""
        near = {word} if word in self._by_word else set()
        if len(word) < MIN_NEAR_WORD - 1:
            return near
        near |= self._word_deletions.get(word, set())  # one character missing
        if len(word) >= MIN_NEAR_WORD:
            for d in _deletions(word):
                if d in self._by_word:
                    near.add(d)  # one character extra
                near |= self._word_deletions.get(d, set())  # one character wrong or swapped
        return near

    def candidates(self, key: str) -> list[int]:
        """Numbers of the names worth scoring against the normalised name ``key``, ascending."""
        words = _distinct(key.split())[:MAX_PAIRED_WORDS]
        near = [sorted(self.near_words(w)) for w in words]
        found: set[int] = set()
        common: list[list[int]] = []
        for i, j in combinations(range(len(words)), 2):
            for a in near[i]:
                for b in near[j]:
                    pair = self._by_pair.get((a, b) if a < b else (b, a), []) if a != b else []
                    if len(pair) <= RARE_PAIR_NAMES:
                        found.update(pair)
                    else:
                        common.append(pair)
        near += [sorted(self.near_words(w)) for w in _glued(words)]
        for options in near:
            postings = [self._by_word[w] for w in options]
            if len(words) == 1 or sum(map(len, postings)) <= RARE_WORD_NAMES:
                for p in postings:
                    found.update(p)
        if not found and common:  # only common pairs: the rarest of them
            rarest: list[int] = min(common, key=len)
            found.update(rarest)
        return sorted(found)

    def namesakes(self, name: str) -> set[str]:
        """The customers whose normalised name is exactly ``name``'s (several: namesakes, e.g. a group's
        companies in several countries)."""
        key = self.normalise(name)
        return set(self.by_name.get(key, ())) if key else set()

    def find_full(self, name: str) -> str:
        """Of several namesakes, the one whose name with its legal form is ``name``'s ("" if none or several)."""
        full = normalise_name(name, self.legal_forms, self.abbreviations, keep_forms=True)
        found = self.by_full_name.get(full, set()) & self.namesakes(name)
        return next(iter(found)) if len(found) == 1 else ""

    def fits(self, name: str, customer: str) -> str:
        """How the payer's ``name`` fits ``customer``'s names: ``exact``, ``near`` (a close spelling, the
        initials, the name cut short or its words shortened: "Meyer Log." for "Meyer Logistik GmbH") or ""."""
        key = self.normalise(name)
        names = self.names_of.get(customer)
        if not key or not names:
            return ""
        if key in names:
            return "exact"
        query = " ".join(sorted(key.split()))
        words = key.split()
        compact = key.replace(" ", "")
        for known in names:
            if fuzz.ratio(query, " ".join(sorted(known.split()))) >= self.min_score:
                return "near"
            theirs = known.split()
            if len(compact) >= 2 and compact == acronym(known) and len(theirs) <= 4:
                return "near"
            if _shortened(words, theirs) or _shortened(theirs, words):
                return "near"
        return ""

    def _find(self, key: str) -> tuple[str, str, float] | None:
        exact = self.by_name.get(key)
        if exact is not None:
            return (next(iter(exact)), "exact", 100.0) if len(exact) == 1 else None
        compact = key.replace(" ", "")
        by_acronym = self.by_acronym.get(compact)
        if by_acronym is not None and len(by_acronym) == 1:
            return next(iter(by_acronym)), "fuzzy", float(self.min_score)
        numbers = self.candidates(key)
        if not numbers:
            return None
        query = " ".join(sorted(key.split()))
        best = self._score(query, numbers)
        if not best:
            return None
        # Its rivals share words with the best name rather than with the query: score them too.
        rivals = sorted(set(numbers).union(self.candidates(self._plain[numbers[best[0][2]]])))
        if len(rivals) > len(numbers):
            numbers = rivals
            best = self._score(query, numbers)
        _, score, index = best[0]
        customers = self.by_name[self._plain[numbers[index]]]
        if (len(best) > 1 and best[1][1] >= score - 2
                and self.by_name[self._plain[numbers[best[1][2]]]] != customers):
            return None  # two different customers are about equally close
        return (next(iter(customers)), "fuzzy", float(score)) if len(customers) == 1 else None

    def _score(self, query: str, numbers: list[int]) -> list[tuple[str, float, int]]:
        return process.extract(query, [self._choices[n] for n in numbers], scorer=fuzz.ratio, processor=None,
                               score_cutoff=self.min_score, limit=2)


def _shortened(short: list[str], full: list[str]) -> bool:
    """``short`` is ``full`` with its words cut (a bank's 35 characters, "Log." for "Logistik"): the first
    word whole and of four letters or more, each other word a beginning of the same word of ``full``, and at
    least two words of ``full`` present."""
    if len(short) < 2 or len(short) > len(full) or short[0] != full[0] or len(short[0]) < 4:
        return False
    return all(len(a) >= 2 and b.startswith(a) for a, b in zip(short[1:], full[1:], strict=False))


def search_word(payer_name: str) -> str:
    """The word of a payer's name to look candidate customers up by, for a clerk choosing whom a
    payment belongs to: the first word longer than three characters ('' if there is none)."""
    return next((w for w in (payer_name or "").split() if len(w) > 3), "")
