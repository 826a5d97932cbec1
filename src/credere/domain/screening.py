"""Sanctions screening: a name against the parties on sanctions lists, fuzzily, with the reasons of each hit.

Names are compared after :func:`normalise`: any script transliterated to Latin letters (anyascii: Cyrillic,
Greek, Arabic, Chinese…), accents dropped, letter case folded, quotes and punctuation removed, dotted
abbreviations joined (``L.L.C.`` → ``llc``, ``Sp. z o.o.`` → ``sp z oo``) and legal forms left out as whole
words, in many languages (``GmbH``, ``LLC``, ``OOO``, ``Limited Liability Company``, ``Obshchestvo s
ogranichennoy otvetstvennost'yu``…). :func:`score` then combines rapidfuzz's token-sort ratio (the words in
any order) with its token-set ratio (one name's words all in the other: a missing middle name), giving the
set ratio more weight when two or more words are shared, so that "Ivan Sidorov" stays close to "Ivan
Petrovich Sidorov" while "Orion" does not come close to every "Orion …".

:class:`ScreeningIndex` screens one name against many listed parties without scoring every one of them:
each normalised word of the listed names is indexed under the word itself, its spelling with
transliteration variants read as one, its first and last four letters and its consonant skeleton (``sidorov``
and ``sydorov`` are both ``sdrv``), and neighbouring words under their joined spelling ("NordWind"); a name is
scored only against the names sharing at least one such key with it. Scoring the candidates runs in rapidfuzz (C++).

Pure: the standard library, rapidfuzz and anyascii; no Django, no IO, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from anyascii import anyascii
from rapidfuzz import fuzz, process

#: A name scoring at least this against a listed name is a hit.
DEFAULT_THRESHOLD = 85

KINDS = ("entity", "person", "vessel", "other")


class ListedParty(Protocol):
    """What screening needs of a party on a sanctions list (the sanctions adapters' ``Listed`` has it)."""

    @property
    def reference(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def aliases(self) -> tuple[str, ...]: ...

    @property
    def weak_aliases(self) -> tuple[str, ...]: ...

    @property
    def countries(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class ScreeningEntry:
    """A listed party as screening sees it, for callers that hold no adapter value (e.g. rows read back)."""

    reference: str
    name: str
    kind: str = "entity"
    aliases: tuple[str, ...] = ()
    #: The aliases the list itself calls weak or of low quality (each also in ``aliases``).
    weak_aliases: tuple[str, ...] = ()
    #: ISO 3166 alpha-2 codes where known.
    countries: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    """A listed party whose name or alias comes close to the screened name."""

    reference: str
    #: The party's primary name on the list.
    name: str
    #: The name or alias that matched best.
    matched_name: str
    score: int
    #: Why, in plain words (``same name after removing the legal form 'LLC'``, ``word order differs``…).
    reasons: tuple[str, ...]
    #: The same reasons as stable codes (``legal_form_removed``, ``word_order``…), in the same order.
    codes: tuple[str, ...]
    kind: str = "entity"
    #: The match is on an alias, not on the primary name; ``weak_alias``: one the list calls weak.
    alias: bool = False
    weak_alias: bool = False


# --- normalisation -----------------------------------------------------------------------------------------

#: Legal forms, as they are usually written; each is read by the same tokeniser as names, so ``S.A.``,
#: ``SA`` and ``S. A.`` are one form. Left out of the comparison as whole words (or word sequences).
LEGAL_FORMS: tuple[str, ...] = (
    # English
    "Ltd", "Limited", "LLC", "L.L.C.", "LLP", "LP", "PLC", "Inc", "Incorporated", "Corp", "Corporation", "Co",
    "Company", "Limited Company", "Limited Liability Company", "Limited Liability Partnership",
    "Limited Partnership", "Public Limited Company", "Co. Ltd", "& Co", "Pty", "Pty Ltd", "Pte", "Pte Ltd",
    "Joint Stock Company", "Closed Joint Stock Company", "Open Joint Stock Company",
    "Public Joint Stock Company", "JSC", "PJSC", "OJSC", "CJSC", "FZE", "FZCO", "FZC", "FZ-LLC", "DMCC",
    # German, Austrian, Swiss
    "GmbH", "AG", "KG", "OHG", "UG", "KGaA", "SE", "e.V.", "GmbH & Co. KG", "AG & Co. KG",
    "Gesellschaft mit beschränkter Haftung", "Aktiengesellschaft", "Kommanditgesellschaft",
    # French, Belgian, Luxembourg
    "SA", "SAS", "SASU", "SARL", "EURL", "SNC", "SCS", "SCA", "SCI", "SPRL", "BVBA", "Société Anonyme",
    "Société à responsabilité limitée", "Société par actions simplifiée",
    # Italian, Spanish, Portuguese, Latin America
    "SpA", "Srl", "Società per Azioni", "Società a responsabilità limitata",
    "SL", "SLU", "Sociedad Anónima", "Sociedad Limitada", "Sociedad de Responsabilidad Limitada",
    "S. de R.L.", "S.A. de C.V.", "Lda", "Ltda",
    # Dutch
    "BV", "NV", "Besloten Vennootschap", "Naamloze Vennootschap", "VOF",
    # Nordic
    "AB", "Aktiebolag", "Aktiebolaget", "AS", "A/S", "ASA", "ApS", "Oy", "Oyj", "Osakeyhtiö",
    # Central and Eastern Europe
    "Sp. z o.o.", "Spółka z ograniczoną odpowiedzialnością", "S.A.", "Spółka Akcyjna", "Sp.k.", "s.r.o.",
    "spol. s r.o.", "Kft", "Zrt", "Nyrt", "d.o.o.", "d.d.", "AD", "EAD", "EOOD", "OOD",
    # Russian, Ukrainian, Belarusian, Kazakh (transliterated)
    "OOO", "OAO", "ZAO", "PAO", "AO", "NAO", "TOO", "TOV", "PAT", "PrAT", "FGUP", "GUP", "MUP",
    "Obshchestvo s ogranichennoy otvetstvennostyu", "Obshchestvo s ogranichennoi otvetstvennostiu",
    "Aktsionernoe Obshchestvo", "Aktsionernoye Obshchestvo", "Publichnoe Aktsionernoe Obshchestvo",
    "Publichnoye Aktsionernoye Obshchestvo", "Zakrytoe Aktsionernoe Obshchestvo",
    "Zakrytoye Aktsionernoye Obshchestvo", "Otkrytoe Aktsionernoe Obshchestvo",
    "Otkrytoye Aktsionernoye Obshchestvo", "Tovaristvo z obmezhenoyu vidpovidalnistyu",
    # Asia, Middle East
    "KK", "Kabushiki Kaisha", "Bhd", "Sdn Bhd", "Berhad", "PT", "Tbk", "PT Tbk", "WLL", "SAOG", "SAOC", "QSC",
    "QPSC", "BSC", "PJS",
)

_QUOTES = str.maketrans("", "", "'\u2018\u2019\u02bc\u02b9`\u00b4\"\u201c\u201d\u00ab\u00bb\u201e")
#: Single letters written with dots or slashes between them: ``l.l.c.``, ``s. a.``, ``a/s``, ``o.o.``.
_INITIALS = re.compile(r"(?<![a-z0-9])(?:[a-z][./] ?)+[a-z](?![a-z0-9])\.?")
_NOT_WORD = re.compile(r"[^a-z0-9]+")

#: Scripts named in reasons ("transliterated from Cyrillic"); the first word of a character's Unicode name.
_SCRIPT_NAMES = {
    "CYRILLIC": "Cyrillic", "GREEK": "Greek", "ARABIC": "Arabic", "HEBREW": "Hebrew", "CJK": "Chinese characters",
    "HIRAGANA": "Japanese", "KATAKANA": "Japanese", "HANGUL": "Korean", "GEORGIAN": "Georgian",
    "ARMENIAN": "Armenian", "THAI": "Thai", "DEVANAGARI": "Devanagari", "BENGALI": "Bengali",
    "ETHIOPIC": "Ethiopic", "SYRIAC": "Syriac", "THAANA": "Thaana", "MONGOLIAN": "Mongolian", "TIBETAN": "Tibetan",
    "KHMER": "Khmer", "LAO": "Lao", "MYANMAR": "Burmese", "TAMIL": "Tamil",
}


def _words(text: str) -> list[str]:
    """Lower-case ASCII words of ``text``, dotted abbreviations joined; no legal form removed yet."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = anyascii(text)
    text = text.casefold().translate(_QUOTES).replace("&", " and ")
    text = _INITIALS.sub(lambda m: re.sub(r"[./ ]", "", m.group()), text)
    return _NOT_WORD.sub(" ", text).split()


_FORMS: dict[tuple[str, ...], str] = {}
for _form in LEGAL_FORMS:
    _FORMS.setdefault(tuple(_words(_form)), _form)
_FORM_LENGTHS = sorted({len(k) for k in _FORMS}, reverse=True)
#: Every word that belongs to some legal form (tests keep clear of them when they move words about).
FORM_WORDS = frozenset(w for k in _FORMS for w in k)


def _drop_forms(words: list[str]) -> tuple[list[str], list[str]]:
    """``words`` without legal forms (longest first, repeated until none is left), and the forms dropped.

    A name made of legal forms only ("Company Limited") keeps the words it had before its last form went.
    """
    dropped: list[str] = []
    while True:
        kept: list[str] = []
        found: list[str] = []
        i = 0
        while i < len(words):
            for n in _FORM_LENGTHS:
                key = tuple(words[i:i + n])
                if len(key) == n and key in _FORMS:
                    found.append(_FORMS[key])
                    i += n
                    break
            else:
                kept.append(words[i])
                i += 1
        if not found or not kept:
            return words, dropped
        words, dropped = kept, dropped + found


def _scripts(name: str) -> tuple[tuple[str, ...], bool]:
    """The non-Latin scripts ``name`` is written in, and whether it has Latin letters with accents."""
    scripts: list[str] = []
    accents = False
    for ch in unicodedata.normalize("NFKC", name):
        if ch.isascii() or not ch.isalpha():
            continue
        character = unicodedata.name(ch, "")
        first = character.split(" ", 1)[0]
        if first in _SCRIPT_NAMES:
            script = _SCRIPT_NAMES[first]
        elif "LATIN" in character:
            accents = True
            continue
        elif any(word in character for word in (" LETTER ", " SYLLABLE ", " IDEOGRAPH")):
            script = first.title()
        else:
            continue
        if script not in scripts:
            scripts.append(script)
    return tuple(scripts), accents


#: Spellings that transliterations of one name vary between (Sergey/Sergei, Ivanov/Ivanoff/Ivanow,
#: Khalid/Halid, Yusuf/Jusuf), read as one when names are compared a second time, more loosely.
_VARIANTS = (("dzh", "j"), ("tch", "ch"), ("sch", "sh"), ("ph", "f"), ("kh", "h"), ("gh", "g"), ("ck", "k"),
             ("zh", "j"), ("dj", "j"), ("ou", "u"), ("oo", "u"), ("ee", "i"), ("q", "k"), ("w", "v"),
             ("x", "ks"), ("y", "i"))
_DOUBLED = re.compile(r"(.)\1+")
#: A name matching another only once spelling variants are read as one scores at most this.
VARIANT_CEILING = 95


def _simplify(word: str) -> str:
    """``word`` with transliteration variants read as one: ``sergey`` → ``sergei``, ``ivanoff`` → ``ivanov``."""
    for old, new in _VARIANTS:
        if old in word:
            word = word.replace(old, new)
    if word.endswith("ff"):
        word = word[:-2] + "v"
    return _DOUBLED.sub(r"\1", word)


@dataclass(frozen=True, slots=True)
class _Name:
    original: str
    text: str
    words: tuple[str, ...]
    forms: tuple[str, ...]
    scripts: tuple[str, ...]
    accents: bool
    #: ``words`` with transliteration variants read as one (:func:`_simplify`), and joined.
    simple_words: tuple[str, ...]
    simple: str

    @property
    def sorted_words(self) -> tuple[str, ...]:
        return tuple(sorted(self.words))


def _analyse(name: str) -> _Name:
    words, forms = _drop_forms(_words(name))
    scripts, accents = _scripts(name)
    simple = tuple(_simplify(w) for w in words)
    return _Name(name, " ".join(words), tuple(words), tuple(dict.fromkeys(forms)), scripts, accents, simple,
                 " ".join(simple))


def normalise(name: str) -> str:
    """``name`` in lower-case Latin words, without punctuation, quotes or legal forms.

    ``ООО "Северный Ветер"`` → ``severnyy veter``; ``ORION TRADING, L.L.C.`` → ``orion trading``. A name made
    only of legal forms keeps them (``Company Limited`` → ``company limited``). Idempotent.
    """
    return _analyse(name).text


# --- scoring -----------------------------------------------------------------------------------------------


def _ratios(a: str, b: str, a_words: tuple[str, ...], b_words: tuple[str, ...]) -> float:
    sort = fuzz.token_sort_ratio(a, b, processor=None)
    token_set = fuzz.token_set_ratio(a, b, processor=None)
    weight = 2 if len(set(a_words) & set(b_words)) >= 2 else 1
    return max(sort, (weight * token_set + sort) / (weight + 1))


def _combine(a: _Name, b: _Name) -> int:
    if not a.text or not b.text:
        return 0
    if a.text == b.text:
        return 100
    combined = _ratios(a.text, b.text, a.words, b.words)
    if a.simple != a.text or b.simple != b.text:
        variant = _ratios(a.simple, b.simple, a.simple_words, b.simple_words)
        combined = max(combined, min(variant, VARIANT_CEILING))
    return min(100, max(0, round(combined)))


def score(candidate: str, listed_name: str) -> int:
    """0–100: how close ``candidate`` is to ``listed_name`` once both are normalised (100: the same).

    Word order does not matter; one name lacking some of the other's words (a middle name) costs little
    when two or more words are shared, and much when only one is.
    """
    return _combine(_analyse(candidate), _analyse(listed_name))


def _quoted(items: Sequence[str]) -> str:
    quoted = [f"'{i}'" for i in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _difference_reasons(query: _Name, listed: _Name, kind: str) -> list[tuple[str, str]]:
    """Why two names that normalise differently still come close: order, missing words, spelling."""
    reasons: list[tuple[str, str]] = []
    shared = set(query.words) & set(listed.words)
    if len(shared) > 1 and [w for w in query.words if w in shared] != [w for w in listed.words if w in shared]:
        reasons.append(("word_order", "word order differs"))
    only_query = [w for w in query.words if w not in shared]
    only_listed = [w for w in listed.words if w not in shared]
    if shared and bool(only_query) != bool(only_listed):
        missing = only_query or only_listed
        longer = query.words if only_query else listed.words
        if kind == "person" and all(w not in (longer[0], longer[-1]) for w in missing):
            reasons.append(("middle_name_missing", f"a middle name is missing ({_quoted(missing)})"))
        else:
            reasons.append(("words_missing", f"one name lacks the words {_quoted(missing)}"))
    elif only_query and only_listed:
        reasons.append(("spelling_differs",
                        f"spelt differently ({_quoted(only_query)} against {_quoted(only_listed)})"))
    forms = list(dict.fromkeys(query.forms + listed.forms))
    if query.forms and listed.forms and set(query.forms) != set(listed.forms):
        reasons.append(("legal_forms_differ",
                        f"the legal forms differ ({_quoted(query.forms)} against {_quoted(listed.forms)})"))
    elif forms:
        word = "legal form" if len(forms) == 1 else "legal forms"
        reasons.append(("legal_form_removed", f"the {word} {_quoted(forms)} left out of the comparison"))
    return reasons


def _explain(query: _Name, listed: _Name, *, kind: str, alias: bool, weak: bool,
             country: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The reasons of a hit, in plain words and as codes (same order)."""
    reasons: list[tuple[str, str]] = []
    forms = list(dict.fromkeys(query.forms + listed.forms))
    if query.text != listed.text:
        reasons += _difference_reasons(query, listed, kind)
    elif query.original.casefold().split() == listed.original.casefold().split():
        reasons.append(("same_name", "same name"))
    elif forms:
        word = "legal form" if len(forms) == 1 else "legal forms"
        reasons.append(("legal_form_removed", f"same name after removing the {word} {_quoted(forms)}"))
    else:
        reasons.append(("same_spelling", "same name apart from letter case, punctuation or accents"))
    for script in dict.fromkeys(query.scripts + listed.scripts):
        reasons.append(("transliterated", f"transliterated from {script}"))
    if (query.accents or listed.accents) and not (query.scripts or listed.scripts):
        reasons.append(("accents", "letters with accents compared without them"))
    if alias:
        reasons.append(("alias", f"matches the alias '{listed.original}'"))
    if weak:
        reasons.append(("weak_alias", "the list calls this alias weak (low quality)"))
    if country:
        reasons.append(("same_country", f"listed with the same country ({country})"))
    return tuple(text for _, text in reasons), tuple(code for code, _ in reasons)


# --- the index ---------------------------------------------------------------------------------------------

_VOWELS = str.maketrans("", "", "aeiouyhw")


def _skeleton(word: str) -> str:
    """The first letter and the consonants after it, repeats collapsed: ``mohammed``/``muhammad`` → ``md``."""
    rest = word[1:].translate(_VOWELS)
    out = word[0]
    for ch in rest:
        if ch != out[-1]:
            out += ch
    return out


def _keys(words: Sequence[str]) -> set[str]:
    """The blocking keys of a name's words: each word, its simplified spelling, its first and last four
    letters, its consonant skeleton, and each pair of neighbouring words written as one ("NordWind", either
    way round); a
    one-word name also its first and last three letters."""
    keys: set[str] = set()
    for word in words:
        keys.add("w" + word)
        keys.add("v" + _simplify(word))
        if len(word) >= 4:
            keys.add("p" + word[:4])
            keys.add("e" + word[-4:])
        if len(word) >= 3 and word.isalpha():
            skeleton = _skeleton(word)
            if len(skeleton) >= 2:
                keys.add("s" + skeleton)
    for first, second in zip(words, words[1:], strict=False):
        keys.update(("w" + first + second, "w" + second + first))
    if len(words) == 1 and len(words[0]) >= 5:  # one word carries the whole name: its first and last three letters
        keys.add("t" + words[0][:3])
        keys.add("u" + words[0][-3:])
    return keys


@dataclass(frozen=True, slots=True)
class _Indexed:
    entry: int
    name: _Name
    alias: bool
    weak: bool


@dataclass(slots=True)
class ScreeningIndex:
    """Listed parties ready to be screened against, names normalised once and blocked by word keys."""

    entries: tuple[ListedParty, ...]
    _names: list[_Indexed] = field(default_factory=list)
    _texts: list[str] = field(default_factory=list)
    _simple: list[str] = field(default_factory=list)
    _postings: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, entries: Iterable[ListedParty]) -> ScreeningIndex:
        index = cls(tuple(entries))
        seen: set[tuple[int, str]] = set()
        for number, entry in enumerate(index.entries):
            weak = set(entry.weak_aliases)
            names = [(entry.name, False, False)] + [(a, True, a in weak) for a in entry.aliases]
            for raw, alias, is_weak in names:
                analysed = _analyse(raw)
                if not analysed.text or (number, analysed.text) in seen:
                    continue
                seen.add((number, analysed.text))
                position = len(index._names)
                index._names.append(_Indexed(number, analysed, alias, is_weak))
                index._texts.append(analysed.text)
                index._simple.append(analysed.simple)
                for key in _keys(analysed.words):
                    index._postings.setdefault(key, []).append(position)
        return index

    def __len__(self) -> int:
        return len(self.entries)

    def candidates(self, name: str) -> list[int]:
        """Positions of the indexed names sharing a word key with ``name`` (the names worth scoring)."""
        return self._candidates(_analyse(name).words)

    def _candidates(self, words: Sequence[str]) -> list[int]:
        found: set[int] = set()
        for key in _keys(words):
            found.update(self._postings.get(key, ()))
        return sorted(found)

    def screen(self, name: str, *, threshold: int = DEFAULT_THRESHOLD, kind: str | None = None,
               country: str | None = None) -> list[Hit]:
        """The listed parties whose name or an alias scores at least ``threshold`` against ``name``, best
        first (one hit per party, on its best-scoring name).

        ``kind`` keeps only parties of that kind (``person``, ``entity``…); ``country`` (ISO alpha-2) keeps
        the parties listed with that country and those listed with none (an unknown country excludes nothing).
        """
        query = _analyse(name)
        if not query.text:
            return []
        country = country.upper() if country else None
        positions = []
        for position in self._candidates(query.words):
            entry = self.entries[self._names[position].entry]
            if kind is not None and entry.kind != kind:
                continue
            if country is not None and entry.countries and country not in entry.countries:
                continue
            positions.append(position)
        if not positions:
            return []
        # A name scores at least ``threshold`` only if one of these ratios reaches it once rounded (see
        # _combine): rapidfuzz finds those names in C++, and only they are scored fully.
        passed: set[int] = set()
        for text, names in ((query.text, self._texts), (query.simple, self._simple)):
            choices = [names[p] for p in positions]
            for scorer in (fuzz.token_set_ratio, fuzz.token_sort_ratio):
                for _, _, i in process.extract(text, choices, scorer=scorer, processor=None,
                                               score_cutoff=threshold - 0.5, limit=None):
                    passed.add(positions[i])
        best: dict[int, tuple[int, bool, bool, _Indexed]] = {}
        for position in passed:
            indexed = self._names[position]
            value = _combine(query, indexed.name)
            if value < threshold:
                continue
            rank = (value, not indexed.alias, not indexed.weak)
            current = best.get(indexed.entry)
            if current is None or rank > current[:3]:
                best[indexed.entry] = (*rank, indexed)
        hits = []
        for number, (value, _, _, indexed) in best.items():
            entry = self.entries[number]
            same_country = country if country is not None and country in entry.countries else None
            reasons, codes = _explain(query, indexed.name, kind=entry.kind, alias=indexed.alias,
                                      weak=indexed.weak, country=same_country)
            hits.append(Hit(entry.reference, entry.name, indexed.name.original, value, reasons, codes, entry.kind,
                            indexed.alias, indexed.weak))
        hits.sort(key=lambda h: (-h.score, h.reference))
        return hits


def screen(name: str, entries: Iterable[ListedParty] | ScreeningIndex, *, threshold: int = DEFAULT_THRESHOLD,
           kind: str | None = None, country: str | None = None) -> list[Hit]:
    """The hits for ``name`` among ``entries``, best first (see :meth:`ScreeningIndex.screen`).

    Pass a :class:`ScreeningIndex` when screening more than one name: given plain entries, the index is
    built for this one call.
    """
    index = entries if isinstance(entries, ScreeningIndex) else ScreeningIndex.build(entries)
    return index.screen(name, threshold=threshold, kind=kind, country=country)
