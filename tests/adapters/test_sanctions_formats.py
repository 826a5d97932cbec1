"""Sanctions list readers against small files in the official formats (tests/data/sanctions/, invented parties)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from credere.adapters.sanctions import (
    Identifier,
    Listed,
    SanctionsFormatError,
    country_code,
    detect,
    parse_any,
    parse_eu,
    parse_ofac_csv,
    parse_ofac_xml,
    parse_uk,
    parse_un,
)
from credere.domain.screening import ScreeningIndex

DATA = Path(__file__).resolve().parents[1] / "data" / "sanctions"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def error_of(call, *args, **kwargs) -> str:
    with pytest.raises(SanctionsFormatError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


# --- detection -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("eu_fsf.xml", "eu-fsf"),
    ("ofac_sdn.xml", "ofac-sdn-xml"),
    ("ofac_sdn.csv", "ofac-sdn-csv"),
    ("ofac_alt.csv", "ofac-alt-csv"),
    ("uk_sanctions_list.xml", "uk-sanctions-list"),
    ("un_consolidated.xml", "un-consolidated"),
])
def test_detect_recognises_each_format_from_its_content(name, expected):
    assert detect(read(name)) == expected


def test_detect_refuses_what_it_does_not_read():
    assert "not a recognised sanctions list format" in error_of(detect, b"name;country\nOrion;RU\n")
    assert "root <Invoice>" in error_of(detect, b"<?xml version='1.0'?><Invoice/>")
    assert "OFSI's former consolidated list" in error_of(
        detect, b'<?xml version="1.0"?><ArrayOfFinancialSanctionsTarget xmlns="http://schemas.hmtreasury.gov.uk/ofsi/consolidatedlist"/>')
    assert "sdn_advanced.xml" in error_of(detect, b'<?xml version="1.0"?><Sanctions xmlns="https://x"/>')
    assert "not a recognised" in error_of(detect, b"<?xml version='1.0'?><export xmlns='urn:other'/>")
    assert detect(b'1,2,"street","city","Russia",-0- \r\n') == "ofac-add-csv"


def test_parse_any_reads_each_list_and_refuses_alt_csv_alone():
    for name, reader in [("eu_fsf.xml", parse_eu), ("ofac_sdn.xml", parse_ofac_xml), ("ofac_sdn.csv", parse_ofac_csv),
                         ("uk_sanctions_list.xml", parse_uk), ("un_consolidated.xml", parse_un)]:
        assert parse_any(read(name)) == reader(read(name))
    assert "read it together with sdn.csv" in error_of(parse_any, read("ofac_alt.csv"))


# --- EU ------------------------------------------------------------------------------------------------------


def test_eu_fsf_entities():
    parsed = parse_eu(read("eu_fsf.xml"))
    assert (parsed.source, parsed.format, parsed.published) == (
        "EU consolidated financial sanctions list", "eu-fsf", dt.date(2026, 3, 14))
    person, company, holding = parsed.entries
    assert person == Listed(
        reference="EU.9901.11", kind="person", name="Ivan Petrovich Sidorov",
        aliases=("Иван Петрович Сидоров", "Vanya Sidorov"), weak_aliases=("Vanya Sidorov",), countries=("RU",),
        programmes=("UKR",), listed_on=dt.date(2022, 4, 8),
        identifiers=(Identifier("passport", "990000123", "RU"),), remark="Fictitious entry for tests.")
    assert company == Listed(
        reference="EU.9902.22", kind="entity", name="Orion Trading LLC",
        aliases=("ООО «Орион Трейдинг»", "Orion Trading Limited Liability Company"), countries=("RU",),
        programmes=("UKR", "RUS"), listed_on=dt.date(2023, 2, 25),
        identifiers=(Identifier("regnumber", "1027700990022", "RU"), Identifier("tin", "7700990022", "RU")),
        remark="Tax number (INN): 7700990022.")
    # No designationDate: the earliest regulation's publication date; country "00" (unknown) left out.
    assert (holding.name, holding.listed_on, holding.countries, holding.programmes) == (
        "Northwind Maritime Holdings Ltd", dt.date(2021, 12, 13), (), ("BLR",))


def test_eu_fsf_errors_name_the_entity():
    content = read("eu_fsf.xml")
    no_name = content.replace(b'wholeName="Orion Trading LLC"', b'wholeName=""').replace(
        b'wholeName="\xd0\x9e\xd0\x9e\xd0\x9e', b'wholeName="" x="').replace(
        b'wholeName="Orion Trading Limited Liability Company"', b'wholeName=""')
    assert error_of(parse_eu, no_name) == ("sanctionEntity[2] (EU.9902.22): has no name (no nameAlias with a "
                                           "wholeName)")
    bad_date = content.replace(b'designationDate="2023-02-25"', b'designationDate="2023-02-30"')
    assert error_of(parse_eu, bad_date) == "sanctionEntity[2] (EU.9902.22)/@designationDate: '2023-02-30' is not a date"
    other_namespace = content.replace(b"http://eu.europa.ec/fpi/fsd/export", b"urn:something-else")
    assert "the namespace is 'urn:something-else'" in error_of(parse_eu, other_namespace)
    assert error_of(parse_eu, read("un_consolidated.xml")) == "the root element is <CONSOLIDATED_LIST>, not <export>"


# --- OFAC ----------------------------------------------------------------------------------------------------


def test_ofac_sdn_xml_entries():
    parsed = parse_ofac_xml(read("ofac_sdn.xml"))
    assert (parsed.source, parsed.format, parsed.published) == ("OFAC SDN list", "ofac-sdn-xml", dt.date(2026, 3, 13))
    person, company, vessel = parsed.entries
    assert person == Listed(
        reference="990001", kind="person", name="Ivan Petrovich SIDOROV", aliases=("Ivan SIDOROV", "VANYA"),
        weak_aliases=("VANYA",), countries=("RU",), programmes=("RUSSIA-EO14024",),
        identifiers=(Identifier("Passport", "990000123", "RU"), Identifier("Gender", "Male")))
    assert company == Listed(
        reference="990002", kind="entity", name="ORION TRADING LIMITED LIABILITY COMPANY",
        aliases=("OOO ORION TREIDING", "ORION IMPORT-EXPORT ZAO"), countries=("RU",),
        programmes=("RUSSIA-EO14024", "UKRAINE-EO13662"),
        identifiers=(Identifier("Registration Number", "1027700990022", "RU"),
                     Identifier("Tax ID No.", "7700990022", "RU")),
        remark="Fictitious entry for tests.")
    assert vessel == Listed(
        reference="990003", kind="vessel", name="NORTHERN STAR", countries=("PA",), programmes=("IRAN",),
        identifiers=(Identifier("Vessel Registration Identification", "IMO 9990003"), Identifier("Call Sign", "9XYZ3")))


def test_ofac_sdn_xml_before_the_sanctions_list_service_namespace():
    old = read("ofac_sdn.xml").replace(
        b"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML", b"http://tempuri.org/sdnList.xsd")
    assert parse_ofac_xml(old).entries == parse_ofac_xml(read("ofac_sdn.xml")).entries


def test_ofac_sdn_xml_errors_name_the_entry():
    content = read("ofac_sdn.xml")
    assert error_of(parse_ofac_xml, content.replace(b"<lastName>NORTHERN STAR</lastName>", b"")) == (
        "sdnEntry[3] (uid 990003): has no lastName (the name, or the surname of a person)")
    assert error_of(parse_ofac_xml, content.replace(b"<uid>990002</uid>", b"")) == "sdnEntry[2]: has no uid"
    assert error_of(parse_ofac_xml, content.replace(b"03/13/2026", b"13/03/2026")) == (
        "publshInformation/Publish_Date: '13/03/2026' is not a date")


def test_ofac_sdn_csv_with_its_aliases_matches_the_xml():
    parsed = parse_ofac_csv(read("ofac_sdn.csv"), alt=read("ofac_alt.csv"))
    assert (parsed.format, parsed.published) == ("ofac-sdn-csv", None)
    person, company, vessel = parsed.entries
    assert person == Listed(
        reference="990001", kind="person", name="Ivan Petrovich SIDOROV", aliases=("Ivan SIDOROV", "VANYA"),
        programmes=("RUSSIA-EO14024",),
        remark="DOB 19 May 1971; POB Tver, Russia; nationality Russia; Gender Male; Passport 990000123 (Russia).")
    assert (company.name, company.aliases, company.programmes) == (
        "ORION TRADING LIMITED LIABILITY COMPANY", ("OOO ORION TREIDING", "ORION IMPORT-EXPORT ZAO"),
        ("RUSSIA-EO14024", "UKRAINE-EO13662"))
    assert company.remark == ("Registration Number 1027700990022 (Russia); Tax ID No. 7700990022 (Russia); "
                              "Fictitious entry for tests.")  # a quoted field across lines
    assert vessel == Listed(reference="990003", kind="vessel", name="NORTHERN STAR", countries=("PA",),
                            programmes=("IRAN",), identifiers=(Identifier("Call Sign", "9XYZ3"),),
                            remark="Vessel Registration Identification IMO 9990003.")
    xml = parse_ofac_xml(read("ofac_sdn.xml")).entries
    assert [(e.reference, e.kind, e.name, e.aliases) for e in parsed.entries] == [
        (e.reference, e.kind, e.name, e.aliases) for e in xml]
    assert parse_ofac_csv(read("ofac_sdn.csv")).entries[0].aliases == ()


def test_ofac_sdn_csv_errors_name_the_row():
    sdn = read("ofac_sdn.csv")
    assert error_of(parse_ofac_csv, sdn.replace(b'"IRAN",-0- ,', b'"IRAN",')) == "sdn.csv line 4: has 11 fields, not 12"
    assert error_of(parse_ofac_csv, sdn.replace(b"990003,", b"99000X,")) == "sdn.csv line 4: ent_num '99000X' is not a number"
    assert error_of(parse_ofac_csv, sdn.replace(b'"vessel"', b'"boat"')) == (
        "sdn.csv line 4: SDN_Type 'boat' is not individual, vessel, aircraft or empty")
    assert error_of(parse_ofac_csv, sdn, alt=b'990009,1,"aka","SOMEONE",-0- \r\n') == (
        "alt.csv line 1: ent_num 990009 is not in sdn.csv")


# --- UK ------------------------------------------------------------------------------------------------------


def test_uk_sanctions_list_designations():
    parsed = parse_uk(read("uk_sanctions_list.xml"))
    assert (parsed.source, parsed.format, parsed.published) == (
        "UK Sanctions List", "uk-sanctions-list", dt.date(2026, 3, 14))
    person, company, ship = parsed.entries
    regime = ("The Russia (Sanctions) (EU Exit) Regulations 2019",)
    assert person == Listed(
        reference="RUS9901", kind="person", name="Ivan Petrovich SIDOROV",
        aliases=("Ivan SYDOROV", "Vanya", "Иван Петрович СИДОРОВ"), weak_aliases=("Vanya",), countries=("RU",),
        programmes=regime, listed_on=dt.date(2022, 3, 15),
        identifiers=(Identifier("Passport", "990000123"), Identifier("OFSI group ID", "99001")),
        remark="Fictitious entry for tests.\nDirector of Orion Trading LLC (invented for tests).")
    assert company == Listed(
        reference="RUS9902", kind="entity", name="ORION TRADING LLC",
        aliases=("ORION TREIDING OOO", "ООО «ОРИОН ТРЕЙДИНГ»"), countries=("RU",), programmes=regime,
        listed_on=dt.date(2023, 2, 24),
        identifiers=(Identifier("Business registration number", "1027700990022"), Identifier("OFSI group ID", "99002")),
        remark="Fictitious entry for tests.")
    assert ship == Listed(
        reference="RUS9903", kind="vessel", name="NORTHERN STAR", aliases=("SEVERNAYA ZVEZDA",),  # "ALias" as published
        countries=("PA",), programmes=regime, listed_on=dt.date(2025, 5, 9),
        identifiers=(Identifier("IMO number", "9990003"),))


def test_uk_sanctions_list_errors_name_the_designation():
    content = read("uk_sanctions_list.xml")
    assert error_of(parse_uk, content.replace(b"<UniqueID>RUS9902</UniqueID>", b"")) == "Designation[2]: has no UniqueID"
    assert error_of(parse_uk, content.replace(b"24/02/2023", b"24.02.2023")) == (
        "Designation[2] (RUS9902)/DateDesignated: '24.02.2023' is not a date")


# --- UN ------------------------------------------------------------------------------------------------------


def test_un_consolidated_list_individuals_and_entities():
    parsed = parse_un(read("un_consolidated.xml"))
    assert (parsed.source, parsed.format, parsed.published) == (
        "UN Security Council consolidated list", "un-consolidated", dt.date(2026, 3, 14))
    person, other, company = parsed.entries
    assert person == Listed(
        reference="KPi.990", kind="person", name="IVAN PETROVICH SIDOROV",
        aliases=("Ivan Sydorov", "Vanya", "Иван Петрович Сидоров"), weak_aliases=("Vanya",), countries=("RU",),
        programmes=("DPRK",), listed_on=dt.date(2017, 8, 5),
        identifiers=(Identifier("Passport", "990000123", "RU"),), remark="Fictitious entry for tests.")
    # Empty alias and address elements, as published, give nothing; the reference's trailing space is dropped.
    assert (other.reference, other.name, other.aliases, other.countries) == ("KPi.991", "KIM CHOL SU", (), ("KP",))
    assert company == Listed(
        reference="KPe.990", kind="entity", name="ORION TRADING LLC",
        aliases=("Orion Treiding", "Orion Import-Export ZAO", "ООО «Орион Трейдинг»"), countries=("RU",),
        programmes=("DPRK",), listed_on=dt.date(2017, 8, 5), remark="Fictitious entry for tests.")


def test_un_errors_name_the_record():
    content = read("un_consolidated.xml")
    assert error_of(parse_un, content.replace(b"<FIRST_NAME> ORION TRADING LLC</FIRST_NAME>", b"")) == (
        "ENTITY[1] (KPe.990): has no name (FIRST_NAME)")


# --- safety and size -----------------------------------------------------------------------------------------


def test_malformed_xml_names_the_line():
    content = read("un_consolidated.xml").replace(b"</INDIVIDUALS>", b"</INDIVIDUAL>")
    message = error_of(parse_un, content)
    assert message.startswith("line ") and "not well-formed XML" in message


def test_entity_declarations_are_refused_before_parsing():
    bomb = (b'<?xml version="1.0"?>\n<!-- a comment first -->\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>')
    assert "declares a DOCTYPE" in error_of(parse_un, bomb)
    assert "declares a DOCTYPE" in error_of(detect, bomb)
    external = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.invalid/x.dtd"><sdnList/>'
    assert "declares a DOCTYPE" in error_of(parse_ofac_xml, external)


def test_a_big_file_is_read_incrementally():
    entry = (b"<sdnEntry><uid>%d</uid><lastName>ORION TRADING %d LLC</lastName><sdnType>Entity</sdnType>"
             b"<programList><program>RUSSIA-EO14024</program></programList><akaList><aka><uid>1</uid>"
             b"<type>a.k.a.</type><category>strong</category><lastName>ORION %d</lastName></aka></akaList>"
             b"<addressList><address><uid>2</uid><country>Russia</country></address></addressList></sdnEntry>\n")
    content = (b'<?xml version="1.0" standalone="yes"?>\n<sdnList xmlns="http://tempuri.org/sdnList.xsd">'
               b"<publshInformation><Publish_Date>03/13/2026</Publish_Date><Record_Count>20000</Record_Count>"
               b"</publshInformation>\n" + b"".join(entry % (n, n, n) for n in range(20_000)) + b"</sdnList>")
    started = time.perf_counter()
    parsed = parse_ofac_xml(content)
    elapsed = time.perf_counter() - started
    assert len(parsed.entries) == 20_000
    assert parsed.entries[-1] == Listed(reference="19999", kind="entity", name="ORION TRADING 19999 LLC",
                                        aliases=("ORION 19999",), countries=("RU",), programmes=("RUSSIA-EO14024",))
    assert elapsed < 10


def test_country_names_become_iso_codes_where_known():
    assert [country_code(n) for n in ("Russia", "Russian Federation", "Korea, North", "Iran (Islamic Republic of)",
                                      "Syrian Arab Republic", "ru", "00", "UNKNOWN", "region: Crimea")] == [
        "RU", "RU", "KP", "IR", "SY", "RU", "", "", "region: Crimea"]


# --- with screening ------------------------------------------------------------------------------------------


def test_every_list_screens_through_one_index():
    entries = [
        *parse_eu(read("eu_fsf.xml")).entries, *parse_ofac_xml(read("ofac_sdn.xml")).entries,
        *parse_uk(read("uk_sanctions_list.xml")).entries, *parse_un(read("un_consolidated.xml")).entries,
    ]
    index = ScreeningIndex.build(entries)
    companies = index.screen('ООО "Орион Трейдинг"', kind="entity")
    # OFAC spells the alias "Treiding" where anyascii reads "Treyding": a transliteration variant.
    assert {h.reference: h.score for h in companies} == {"EU.9902.22": 100, "RUS9902": 100, "KPe.990": 100,
                                                         "990002": 95}
    assert companies[0].reasons == ("same name after removing the legal form 'OOO'", "transliterated from Cyrillic",
                                    "matches the alias 'ООО «Орион Трейдинг»'")
    people = index.screen("Sidorov Ivan", kind="person", country="RU")
    assert {h.reference for h in people} == {"EU.9901.11", "990001", "RUS9901", "KPi.990"}
