"""References, names and the combination search on their own."""

from __future__ import annotations

from credere.domain.matching.combination import find_combination
from credere.domain.matching.names import NameIndex
from credere.domain.matching.policy import DEFAULT_ABBREVIATIONS, DEFAULT_LEGAL_FORMS
from credere.domain.matching.references import ReferenceIndex, candidates, normalise


def test_normalise_references():
    assert normalise("INV-000123456", 4) == "123456"
    assert normalise("inv 123456", 4) == "123456"
    assert normalise("PO-AB-12", 4) == "POAB12"
    assert normalise("12", 4) == ""
    keys = set(candidates("INV 000123 / 2026-00077", 4))
    assert {"2026", "202600077"} <= keys
    assert "123" not in keys and "77" not in keys


def test_short_document_numbers_keep_a_key():
    # a document number whose significant part is shorter than the minimum is padded, not lost
    assert normalise("INV-DE-00000364", 4) == normalise("000364", 4) == "0364"
    assert normalise("0000", 4) == "" and normalise("364", 4) == ""
    index = ReferenceIndex(4, 6, 3)
    index.add("A", ["INV-DE-00000364"])
    index.add("B", ["INV-DE-00001085"])
    assert index.lookup("INV-DE-00000364 short: damaged goods") == {"A": "exact"}
    assert index.lookup("payment 364") == {}


def test_index_lookup_kinds():
    index = ReferenceIndex(4, 6, 3)
    index.add("A", ["INV-00123456"])
    index.add("B", ["SO-99887766"])
    assert index.lookup("pay INV 123456") == {"A": "exact"}
    assert index.lookup("12345") == {"A": "fuzzy"}  # one digit missing
    assert index.lookup("1234") == {}  # too short for a fuzzy match
    assert index.lookup("123457") == {"A": "fuzzy"}
    assert index.lookup("998877") == {"B": "truncated"}


def test_name_index():
    names = NameIndex(frozenset(DEFAULT_LEGAL_FORMS), dict(DEFAULT_ABBREVIATIONS), 88)
    names.add("C1", "Müller Maschinenbau GmbH & Co. KG")
    names.add("C2", "Mueller Foods Ltd")
    assert names.find("MULLER MASCHINENBAU") == ("C1", "exact", 100.0)
    found = names.find("Muller Maschinenbau Gmbh")
    assert found is not None and found[0] == "C1"
    assert names.find("Somebody Else") is None


def test_combination_smallest_first_and_ambiguity():
    combo = find_combination([500, 300, 200, 100], 500, 500, max_size=3, max_nodes=1000)
    assert combo is not None and combo.indexes == (0,) and combo.unique
    combo = find_combination([300, 200, 250, 250], 500, 500, max_size=3, max_nodes=1000)
    assert combo is not None and len(combo.indexes) == 2 and not combo.unique
    assert find_combination([300, 200], 600, 600, max_size=3, max_nodes=1000) is None
    assert find_combination([100] * 5, 500, 500, max_size=4, max_nodes=1000) is None  # too many items
    assert find_combination([100] * 5, 500, 500, max_size=5, max_nodes=3) is None  # search budget spent


def test_name_index_scores_only_names_sharing_words():
    names = NameIndex(frozenset(DEFAULT_LEGAL_FORMS), dict(DEFAULT_ABBREVIATIONS), 88)
    for i in range(2000):
        names.add(f"X{i}", f"Generic Trading {i} GmbH")
    names.add("C1", "Nordwind Logistik GmbH")
    names.add("C2", "Sudwind Maschinenbau AG")
    assert names.near_words("nordwnd") == {"nordwind"}  # one character missing
    assert names.near_words("logsitik") == {"logistik"}  # two characters swapped
    assert names.candidates("nordwnd logistik") == [2000]
    assert len(names.candidates("generic trading 77")) <= 64  # not the 2,000 names sharing "generic trading"
    assert names.find("Nordwnd Logistik GmbH") == ("C1", "fuzzy", names.find("Nordwnd Logistik GmbH")[2])
    assert names.find("NordWind Logistik") is not None and names.find("NordWind Logistik")[0] == "C1"  # glued
    assert names.find("Nord Wind Logistik")[0] == "C1"  # split
    assert names.find("Generic Tradin 77")[0] == "X77"


def test_name_index_keeps_two_equally_close_customers_ambiguous():
    names = NameIndex(frozenset(DEFAULT_LEGAL_FORMS), dict(DEFAULT_ABBREVIATIONS), 88)
    names.add("C1", "Nova River Energy")
    names.add("C2", "River Nova Energy")
    assert names.find("NovaRiver Energy") is None  # both are the same distance away
