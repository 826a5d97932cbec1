"""NACE codes in words: the forms ERPs write, and no guess for codes of other systems."""

from hypothesis import given
from hypothesis import strategies as st

from credere.domain.industries import DIVISIONS, SECTIONS, industry_name


def test_the_forms_erps_write():
    wholesale = "Wholesale trade, except of motor vehicles and motorcycles"
    for code in ("G46.1", "g46.19", "46.19", "G 46.19", "G46", "46190", "46.1"):
        assert industry_name(code) == wholesale, code
    assert industry_name("M73.1") == "Advertising and market research"
    assert industry_name("C") == "Manufacturing"


def test_codes_of_other_systems_or_inconsistent_ones_get_no_name():
    for code in ("5045", "4619", "A46.1", "Z9", "", "retail", "46.123", "04"):
        assert industry_name(code) == "", code


def test_the_tables_are_complete():
    assert len(SECTIONS) == 21 and len(DIVISIONS) == 88


@given(st.sampled_from(sorted(DIVISIONS)), st.integers(0, 9), st.integers(0, 9))
def test_every_division_is_named_whatever_its_group_and_class(division, group, klass):
    name = DIVISIONS[division]
    assert industry_name(f"{division}.{group}{klass}") == name
    assert industry_name(f"{division}{group}{klass}0") == name


def test_the_section_of_a_code() -> None:
    from credere.domain.industries import section_of

    assert [section_of(c) for c in ("G46.1", "46.19", "46190", "F", "K64.2", "G10", "5045", "", "hello")] == [
        "G", "G", "G", "F", "K", "", "", "", ""]
