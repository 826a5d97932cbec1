"""Sanctions screening: normalised names, scores, hits with their reasons, and the index (examples and Hypothesis)."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credere.domain import screening
from credere.domain.screening import (
    DEFAULT_THRESHOLD,
    FORM_WORDS,
    LEGAL_FORMS,
    Hit,
    ScreeningEntry,
    ScreeningIndex,
    normalise,
    score,
    screen,
)

# --- normalise -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("ORION TRADING, L.L.C.", "orion trading"),
    ("Orion Trading LLC", "orion trading"),
    ('"Orion" Trading Limited Liability Company', "orion trading"),
    ("Orion Trading Co., Ltd.", "orion trading"),
    ("Orion GmbH & Co. KG", "orion"),
    ("Orion Sp. z o.o.", "orion"),
    ("ORION SP Z OO", "orion"),
    ("Orion S.A.", "orion"),
    ("Orion S. A.", "orion"),
    ("Orion S.p.A.", "orion"),
    ("Orion A/S", "orion"),
    ("Orion B.V.", "orion"),
    ("PJSC Orion", "orion"),
    ('ООО "Северный Ветер"', "severnyy veter"),
    ("АО «Орион»", "orion"),
    ("Общество с ограниченной ответственностью «Орион»", "orion"),
    ("Obshchestvo s ogranichennoy otvetstvennostyu Orion", "orion"),
    ("Сидоров Иван Петрович", "sidorov ivan petrovich"),
    ("Σπύρος Παπαδόπουλος", "spyros papadopoylos"),
    ("Müller & Söhne GmbH", "muller and sohne"),
    ("O'Brien Shipping plc", "obrien shipping"),
    ("Al-Nour  Trading", "al nour trading"),
    ("Company Limited", "company limited"),  # nothing but legal forms: kept
    ("...", ""),
])
def test_normalise(name, expected):
    assert normalise(name) == expected


# --- score -----------------------------------------------------------------------------------------------------


def test_the_examples_of_the_brief():
    assert score("Orion Trading LLC", "ORION TRADING, L.L.C.") >= 95
    assert score("Сидоров Иван Петрович", "Ivan Petrovich Sidorov") >= 95
    assert score("Orion Bakery GmbH", "Orion Trading LLC") < DEFAULT_THRESHOLD


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("Orion Trading LLC", "ORION TRADING, L.L.C.", 100),
    ("Сидоров Иван Петрович", "Ivan Petrovich Sidorov", 100),  # transliterated, word order
    ("Ivan Sidorov", "Ivan Petrovich Sidorov", 90),  # a missing middle name
    ("Sergey Ivanov", "Sergei Ivanoff", 95),  # transliteration variants, at most 95
    ("Mohammed Hassan", "Muhammad Hasan", 85),
    ("Ivan", "Ivan Petrovich Sidorov", 65),  # one shared word of three
    ("Orion", "Orion Trading", 78),
    ("Orion Bakery GmbH", "Orion Trading LLC", 56),
    ("", "Orion", 0),
    ("LLC", "", 0),
])
def test_score(a, b, expected):
    assert score(a, b) == expected
    assert score(b, a) == expected


_WORD = st.from_regex(r"[a-z]{2,9}", fullmatch=True).filter(lambda w: w not in FORM_WORDS)
_NAME = st.lists(_WORD, min_size=1, max_size=5).map(" ".join)


@given(st.lists(_WORD, min_size=1, max_size=6), st.randoms(use_true_random=False), _NAME)
def test_word_order_never_changes_the_score(words, rnd, listed):
    shuffled = list(words)
    rnd.shuffle(shuffled)
    assert score(" ".join(shuffled), listed) == score(" ".join(words), listed)
    assert score(" ".join(shuffled), " ".join(words)) == 100


@given(_NAME, st.sampled_from(LEGAL_FORMS), _NAME, st.booleans())
def test_a_legal_form_never_lowers_the_score(name, form, listed, before):
    with_form = f"{form} {name}" if before else f"{name} {form}"
    assert score(with_form, listed) >= score(name, listed)
    assert score(with_form, name) == 100


@given(st.text(max_size=60))
def test_normalise_is_idempotent_for_any_text(text):
    once = normalise(text)
    assert normalise(once) == once
    assert once == " ".join(once.split()) and once.isascii() and once == once.lower()


_PIECES = st.sampled_from([*LEGAL_FORMS, "Орион", "Сидоров", "Müller", "S.A.", "A/S", "&", ",", "'", '"', "-",
                           "l.l.c.", "o.o.", "z", "Co", "and", "Петрович", "北方", "محمد", "Ωmega", "x"])


@given(st.lists(st.one_of(_PIECES, _WORD), max_size=8))
def test_normalise_is_idempotent_for_names_full_of_legal_forms(pieces):
    once = normalise(" ".join(pieces))
    assert normalise(once) == once


@given(st.text(max_size=30), st.text(max_size=30))
def test_score_is_symmetric_and_bounded(a, b):
    assert 0 <= score(a, b) == score(b, a) <= 100


# --- screening -------------------------------------------------------------------------------------------------

ENTRIES = (
    ScreeningEntry("EU.1", "Orion Trading LLC", "entity", aliases=("ООО «Орион Трейдинг»",), countries=("RU",)),
    ScreeningEntry("EU.2", "Ivan Petrovich Sidorov", "person", aliases=("Иван Петрович Сидоров", "Vanya Sidorov"),
                   weak_aliases=("Vanya Sidorov",), countries=("RU",)),
    ScreeningEntry("UN.3", "Orion Trading International Holdings", "entity", countries=("IR",)),
    ScreeningEntry("UK.4", "Orion Trading", "vessel"),
    ScreeningEntry("OFAC.5", "Northwind Maritime Ltd", "entity", countries=("CY",)),
)


def test_screen_gives_each_hit_with_its_reasons_best_first():
    hits = screen("ORION TRADING, L.L.C.", ENTRIES)
    assert hits == [
        Hit("EU.1", "Orion Trading LLC", "Orion Trading LLC", 100, ("same name after removing the legal form 'LLC'",),
            ("legal_form_removed",), "entity"),
        Hit("UK.4", "Orion Trading", "Orion Trading", 100, ("same name after removing the legal form 'LLC'",),
            ("legal_form_removed",), "vessel"),
    ]
    assert screen("ORION TRADING, L.L.C.", ENTRIES, threshold=70)[2].reference == "UN.3"


def test_screen_explains_transliteration_word_order_and_aliases():
    [hit] = screen("Сидоров Иван Петрович", ENTRIES)
    assert (hit.reference, hit.score, hit.matched_name, hit.alias) == ("EU.2", 100, "Ivan Petrovich Sidorov", False)
    assert hit.reasons == ("word order differs", "transliterated from Cyrillic")
    assert hit.codes == ("word_order", "transliterated")
    [hit] = screen("Ivan Sidorov", ENTRIES)
    assert (hit.score, hit.reasons) == (90, ("a middle name is missing ('petrovich')",))
    [hit] = screen("Vania Sidorov", ENTRIES)
    assert (hit.matched_name, hit.alias, hit.weak_alias, hit.codes) == (
        "Vanya Sidorov", True, True, ("spelling_differs", "alias", "weak_alias"))
    assert hit.reasons[0] == "spelt differently ('vania' against 'vanya')"
    [hit] = screen("OOO Orion Treyding", ENTRIES, kind="entity", threshold=95)
    assert hit.reasons == ("same name after removing the legal form 'OOO'", "transliterated from Cyrillic",
                           "matches the alias 'ООО «Орион Трейдинг»'")


def test_screen_filters_by_kind_and_country():
    assert [h.reference for h in screen("Orion Trading", ENTRIES, kind="vessel")] == ["UK.4"]
    # A country narrows to the parties listed with it, and keeps those listed with none.
    assert [h.reference for h in screen("Orion Trading", ENTRIES, country="ru")] == ["EU.1", "UK.4"]
    [hit] = screen("Orion Trading", ENTRIES, country="RU", kind="entity")
    assert hit.reasons[-1] == "listed with the same country (RU)"
    assert screen("Orion Trading", ENTRIES, country="DE", kind="entity") == []
    assert screen("Orion Bakery GmbH", ENTRIES) == []
    assert screen("  ", ENTRIES) == []


def test_one_hit_per_party_on_its_best_name():
    entry = ScreeningEntry("X", "Sever Holding", "entity", aliases=("Orion Trading", "Orion Tradeing"))
    [hit] = screen("Orion Trading", [entry])
    assert (hit.name, hit.matched_name, hit.score, hit.alias) == ("Sever Holding", "Orion Trading", 100, True)


# --- the index -------------------------------------------------------------------------------------------------

_FIRST = ["Ivan", "Sergei", "Dmitry", "Olga", "Anna", "Pavel", "Nikolai", "Mohammed", "Ahmed", "Ali", "Hassan", "Omar", "Yusuf", "Khalid", "Wei", "Carlos", "Luis", "John", "Peter", "Hans", "Fatima", "Leila", "Yuki"]
_LAST = ["Ivanov", "Petrov", "Sidorov", "Smirnov", "Kuznetsov", "Popov", "Volkov", "Lebedev", "Novikov", "Haddad", "Nasser", "Rahman", "Hussein", "Abbas", "Wang", "Garcia", "Lopez", "Smith", "Mueller", "Schmidt", "Fischer", "Tanaka"]
_WORDS = ["Orion", "Northwind", "Atlas", "Global", "Trading", "Shipping", "Petro", "Energy", "Capital", "Holdings", "Metals", "Mining", "Marine", "Star", "Aero", "Invest", "Resources", "Chemical", "Import", "Export", "Pacific", "Golden", "Dragon", "Falcon"]
_FORMS = ("LLC", "Ltd", "GmbH", "OOO", "JSC", "SA", "Co. Ltd", "FZE")
_SYLLABLES = ("ka", "ro", "mi", "sa", "lo", "ve", "tor", "an", "ek", "ul", "bra", "ni", "gor", "vi", "pet", "zan")


def _entries(count: int, seed: int) -> list[ScreeningEntry]:
    rng = random.Random(seed)

    def invented() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).title()

    def person() -> str:
        return f"{rng.choice(_FIRST)} {invented()} {rng.choice(_LAST)}"

    def company() -> str:
        words = [rng.choice([*_WORDS, invented(), invented()]) for _ in range(rng.randint(1, 3))]
        return " ".join(words) + " " + rng.choice(_FORMS)

    out = []
    for n in range(count):
        make, kind = (person, "person") if n % 2 else (company, "entity")
        out.append(ScreeningEntry(f"R{n}", make(), kind, aliases=tuple(make() for _ in range(rng.randint(0, 2))),
                                  countries=(rng.choice(("RU", "IR", "KP", "SY")),)))
    return out


def _variant(name: str, rng: random.Random) -> str:
    words = name.split()
    change = rng.randrange(5)
    if change == 0:
        rng.shuffle(words)
    elif change == 1 and len(words) > 2:
        del words[rng.randrange(1, len(words) - 1)]
    elif change == 2:
        i = rng.randrange(len(words))
        j = rng.randrange(len(words[i]))
        words[i] = words[i][:j] + rng.choice("aeiouy") + words[i][j + 1:]
    elif change == 3:
        words.append(rng.choice(_FORMS))
    else:
        words = [w.upper() for w in words]
    return " ".join(words)


def test_the_index_finds_what_scoring_every_name_finds():
    entries = _entries(1500, seed=3)
    index = ScreeningIndex.build(entries)
    analysed = [(e, [screening._analyse(n) for n in (e.name, *e.aliases)]) for e in entries]
    rng = random.Random(11)
    for _ in range(60):
        target = rng.choice(entries)
        query = _variant(rng.choice((target.name, *target.aliases)), rng)
        q = screening._analyse(query)
        expected = {}
        for entry, names in analysed:
            best = max(screening._combine(q, n) for n in names)
            if best >= DEFAULT_THRESHOLD:
                expected[entry.reference] = best
        assert {h.reference: h.score for h in index.screen(query)} == expected, query


def test_screening_one_name_against_20000_parties_takes_milliseconds():
    index = ScreeningIndex.build(_entries(20_000, seed=5))
    queries = ["Orion Trading LLC", "Ivan Petrovich Sidorov", "Mohammed Al-Hassan", "Sergey Ivanoff",
               "ООО Северный Ветер", "Petro Energy Holdings Ltd", "Li Wei", "Atlas Shipping"]
    timings = []
    for query in queries:
        started = time.perf_counter()
        index.screen(query)
        timings.append(time.perf_counter() - started)
    assert sorted(timings)[len(timings) // 2] < 0.05  # the median; typically about 5 ms
