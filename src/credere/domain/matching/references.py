"""Normalised references and an index that finds them in free text, exactly or nearly.

A reference such as ``INV-000123``, ``inv 123`` or ``00000123`` normalises to one key: the
digits without leading zeros when the reference is mostly a number (prefixes and
separators dropped), else its letters and digits in capitals. The index also stores, for
every key, the key with one character deleted (a symmetric-deletion index) and its
truncations, so that a reference with one wrong, missing, extra or swapped character or a
cut-off end is found by dictionary look-ups, never by scanning the items.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

_ALNUM = re.compile(r"[A-Za-z0-9]+")
_LETTERS = str.maketrans("", "", string.ascii_uppercase)
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-/._][A-Za-z0-9]+)*")

EXACT = "exact"
FUZZY = "fuzzy"
TRUNCATED = "truncated"


def normalise(reference: str, min_length: int) -> str:
    """The index key of a reference, or ``""`` when it is too short to mean anything."""
    text = "".join(_ALNUM.findall(reference.upper()))
    digits = text.translate(_LETTERS)
    if len(digits) >= min_length and len(digits) * 2 >= len(text):
        # INV-DE-00000364 and 000364 are one document, whose significant part is shorter than the
        # minimum: keep it padded with zeros to the minimum length rather than losing it.
        significant = digits.lstrip("0")
        key = significant.rjust(min_length, "0") if significant else ""
    else:
        key = text.lstrip("0") if text.isdigit() else text
    return key if len(key) >= min_length else ""


def candidates(text: str, min_length: int) -> Iterator[str]:
    """Keys that may be references in a payment's free text, each once."""
    seen: set[str] = set()
    tokens = _TOKEN.findall(text)
    pieces: list[str] = []
    for token in tokens:
        pieces.append(token)
        pieces.extend(_ALNUM.findall(token))
        # A prefix glued to a number (INV000123) and a number followed by letters
        pieces.extend(re.findall(r"\d+", token))
    for a, b in zip(tokens, tokens[1:], strict=False):  # "INV 000123", "2024 00123"
        pieces.append(a + b)
    for piece in pieces:
        key = normalise(piece, min_length)
        if key and key not in seen:
            seen.add(key)
            yield key


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1:] for i in range(len(key))}


#: Key -> item ids; a key of one item holds the bare id (most keys: saves a set per key).
Postings = dict[str, str | set[str]]


def _put(table: Postings, key: str, item_id: str) -> None:
    ids = table.get(key)
    if ids is None:
        table[key] = item_id
    elif isinstance(ids, str):
        if ids != item_id:
            table[key] = {ids, item_id}
    else:
        ids.add(item_id)


def _ids(table: Postings, key: str) -> Collection[str]:
    ids = table.get(key, ())
    return (ids,) if isinstance(ids, str) else ids


@dataclass
class ReferenceIndex:
    min_length: int
    min_fuzzy_length: int
    max_truncation: int
    exact: Postings = field(default_factory=dict)
    deleted: Postings = field(default_factory=dict)
    truncated: Postings = field(default_factory=dict)
    #: Lengths of the all-digit references as written (``0012345`` → 7): the pieces a run of several
    #: document numbers glued together ("55193024185519302502") is cut into.
    digit_lengths: set[int] = field(default_factory=set)

    def add(self, item_id: str, references: Iterable[str]) -> None:
        exact, deleted, truncated = self.exact, self.deleted, self.truncated
        for reference in references:
            key = normalise(reference, self.min_length)
            if not key:
                continue
            if reference.isdigit():
                self.digit_lengths.add(len(reference))
            _put(exact, key, item_id)
            if len(key) >= self.min_fuzzy_length:
                for d in {key[:i] + key[i + 1:] for i in range(len(key))}:
                    ids = deleted.get(d)  # _put, inlined: this loop is most of the index building
                    if ids is None:
                        deleted[d] = item_id
                    elif isinstance(ids, str):
                        if ids != item_id:
                            deleted[d] = {ids, item_id}
                    else:
                        ids.add(item_id)
                for cut in range(2, self.max_truncation + 1):
                    if len(key) - cut >= self.min_fuzzy_length:
                        _put(truncated, key[:-cut], item_id)

    def lookup(self, text: str, *, near_exact: bool = False) -> dict[str, str]:
        """Item id -> ``exact``, ``fuzzy`` or ``truncated`` for the references in ``text``.

        With ``near_exact``, the items one character away from a reference that is itself some item's
        exact number are found too (as ``fuzzy``): a garbled number that happens to be another document's.
        """
        found: dict[str, str] = {}
        keys = list(candidates(text, self.min_length))
        for run in _DIGIT_RUN.findall(text):
            keys += [key for key in self.glued(run) if key not in keys]
        for key in keys:
            for item_id in sorted(_ids(self.exact, key)):
                found[item_id] = EXACT
        for key in keys:
            if len(key) < self.min_fuzzy_length - 1 or (key in self.exact and not near_exact):
                continue
            near: set[str] = set(_ids(self.deleted, key))  # one character missing (or cut off)
            for d in _deletions(key):
                near.update(_ids(self.exact, d))  # one extra character
                near.update(_ids(self.deleted, d))  # one character wrong or swapped
            for item_id in sorted(near):
                found.setdefault(item_id, FUZZY)
            for item_id in sorted(_ids(self.truncated, key)):
                found.setdefault(item_id, TRUNCATED)
        return found


    def glued(self, digits: str) -> list[str]:
        """The keys of the document numbers a run of digits is made of, when it is wholly several of them
        written without a separator; else []."""
        lengths = sorted(n for n in self.digit_lengths if n < len(digits))
        if len(digits) < 2 * self.min_fuzzy_length or not lengths:
            return []
        back: dict[int, int] = {0: 0}
        for start in range(len(digits)):
            if start not in back:
                continue
            for n in lengths:
                end = start + n
                if end > len(digits) or end in back:
                    continue
                key = normalise(digits[start:end], self.min_length)
                if key and key in self.exact:
                    back[end] = start
        if len(digits) not in back:
            return []
        keys: list[str] = []
        end = len(digits)
        while end:
            start = back[end]
            keys.append(normalise(digits[start:end], self.min_length))
            end = start
        return keys[::-1]


_DIGIT_RUN = re.compile(r"\d{12,}")


# --------------------------------------------------------------------------- references naming the payer


def is_date(key: str) -> bool:
    """YYYYMMDD, DDMMYYYY, YYMMDD or DDMMYY (years 1990-2099)."""
    if not key.isdigit() or len(key) not in (6, 8):
        return False
    year = 4 if len(key) == 8 else 2
    for y, m, d in ((key[:year], key[year:year + 2], key[year + 2:]), (key[-year:], key[2:4], key[:2])):
        full = int(y) + (2000 if year == 2 else 0)
        if 1990 <= full <= 2099 and 1 <= int(m) <= 12 and 1 <= int(d) <= 31:
            return True
    return False


def names_the_payer(key: str, *, amount: Decimal, document_keys: Collection[str],
                    ends_a_document: Callable[[str], bool]) -> bool:
    """Whether a key of a payment's text may name the payer (a customer or contract number)
    rather than a document: long enough, with a digit, not one of the matched documents
    (``document_keys``), not the amount or a date, and not the end of any document number
    (``ends_a_document`` is asked last, with the key's significant digits)."""
    if len(key) < 5 or key in document_keys or not any(ch.isdigit() for ch in key):
        return False
    cents = f"{amount:.2f}".replace(".", "")
    if key in (cents, cents.rstrip("0"), f"{amount:.0f}") or is_date(key):
        return False
    digits = key.lstrip("0")
    return not (digits and ends_a_document(digits))
