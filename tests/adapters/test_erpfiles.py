from __future__ import annotations

import codecs
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from credere.adapters.erpfiles import FileFormatError, detect_format, read_ecb, read_table
from credere.adapters.erpfiles import values as cells
from credere.adapters.erpfiles.csvfile import detect_delimiter
from credere.adapters.erpfiles.ecb import ecb_table
from credere.adapters.erpfiles.headers import IGNORE, Mapping, parse_pairs, resolve
from credere.adapters.erpfiles.xlsxfile import exact_number

DATA = Path(__file__).parent / "data"


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_csv_dialects_are_recognised(sep):
    text = sep.join(["a", "b", "c"]) + "\r\n" + sep.join(["1", '"x' + sep + 'y"', "3"]) + "\r\n"
    table = read_table(text.encode())
    assert (table.format, table.delimiter, table.headers) == ("csv", sep, ["a", "b", "c"])
    assert [(r.number, r.cells) for r in table.rows] == [(2, ("1", "x" + sep + "y", "3"))]


def test_delimiter_inside_quotes_in_the_header_does_not_count():
    assert detect_delimiter('"a,b";"c,d";e\n') == ";"
    assert detect_delimiter("single\n") == ","


def test_quoted_fields_with_line_breaks_and_doubled_quotes_keep_row_numbers_as_records():
    table = read_table(b'a,b\n1,"two\nlines"\n2,"say ""hi"""\n')
    assert [(r.number, r.cells) for r in table.rows] == [(2, ("1", "two\nlines")), (3, ("2", 'say "hi"'))]


def test_blank_rows_are_skipped_but_still_counted():
    table = read_table(b"a,b\n\n1,2\n,\n3,4\n")
    assert [r.number for r in table.rows] == [3, 5]


@pytest.mark.parametrize(("data", "encoding"), [
    (codecs.BOM_UTF8 + "name\nMüller\n".encode(), "utf-8"),
    ("name\nMüller\n".encode(), "utf-8"),
    ("name\nMüller\n".encode("utf-16"), "utf-16"),
    (codecs.BOM_UTF16_BE + "name\nMüller\n".encode("utf-16-be"), "utf-16"),
    ("name\nMüller – €\n".encode("cp1252"), "cp1252"),
])
def test_encodings_and_byte_order_marks(data, encoding):
    table = read_table(data)
    assert (table.headers, table.rows[0].cells[0], table.encoding) == (["name"], "Müller" + (
        " – €" if encoding == "cp1252" else ""), encoding)
    assert bool(table.warnings) == (encoding == "cp1252")


def test_explicit_encoding():
    data = "name\nŁódź\n".encode("iso-8859-2")
    assert read_table(data, encoding="iso-8859-2").rows[0].cells == ("Łódź",)
    with pytest.raises(FileFormatError, match="not valid utf-8: line 2 has the byte 0xa3"):
        read_table(data, encoding="utf-8")
    with pytest.raises(FileFormatError, match="unknown text encoding 'klingon'"):
        read_table(data, encoding="klingon")


def test_undecodable_and_binary_files():
    with pytest.raises(FileFormatError, match="neither UTF-8 .line 2 is not. nor Windows-1252"):
        read_table(b"name\n\x81\x8d\n")
    with pytest.raises(FileFormatError, match="not a text file"):
        read_table(b"name\n\x00\x00\x00")


def test_bad_quoting_and_huge_fields_name_the_row():
    with pytest.raises(FileFormatError, match="row 2: not valid CSV"):
        read_table(b'a,b\n1,"x"y\n')
    with pytest.raises(FileFormatError, match="row 2: not valid CSV .field larger than field limit"):
        read_table(b'a,b\n1,"' + b"x" * 200_000 + b'"\n')


def test_empty_and_header_only():
    for data in (b"", b"\n\n", "\ufeff".encode()):
        with pytest.raises(FileFormatError, match="empty"):
            read_table(data)
    assert read_table(b"a,b\n").rows == []


def test_row_limit():
    with pytest.raises(FileFormatError, match="more than 3 rows"):
        read_table(b"a\n1\n2\n3\n4\n5\n", max_rows=3)


# --------------------------------------------------------------------------- XLSX


def _xlsx(rows, number_formats=None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_cells_are_typed_and_numbers_exact():
    data = _xlsx([["name", "amount", "when", "count", "flag"],
                  ["a", 1234.5, dt.date(2026, 1, 31), 42, True],
                  ["b", 0.1, dt.datetime(2026, 1, 31, 12, 30), 1e16, None],
                  [None, None, None, None, None],
                  ["c", -19.99, None, None, None, None, None]])
    table = read_table(data, filename="x.xlsx")
    assert (table.format, table.headers, table.sheet) == ("xlsx", ["name", "amount", "when", "count", "flag"], "Sheet")
    assert [(r.number, r.cells) for r in table.rows] == [
        (2, ("a", Decimal("1234.5"), dt.datetime(2026, 1, 31), 42, True)),
        (3, ("b", Decimal("0.1"), dt.datetime(2026, 1, 31, 12, 30), Decimal("1E+16"))),
        (5, ("c", Decimal("-19.99"))),
    ]
    assert not any(isinstance(c, float) for r in table.rows for c in r.cells)


def test_exact_number_keeps_float_noise_so_it_can_be_rejected():
    assert exact_number(0.1 + 0.2) == Decimal("0.30000000000000004")
    assert exact_number(1190.0) == Decimal("1190.0")
    with pytest.raises(ValueError):
        exact_number(float("nan"))


def test_xlsx_named_sheet_and_garbage():
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["x"])
    wb.create_sheet("Items").append(["document_number"])
    buf = io.BytesIO()
    wb.save(buf)
    assert read_table(buf.getvalue(), sheet="Items").headers == ["document_number"]
    with pytest.raises(FileFormatError, match="no sheet 'Nope' .it has: Sheet, Items."):
        read_table(buf.getvalue(), sheet="Nope")
    with pytest.raises(FileFormatError, match="not a readable XLSX workbook"):
        read_table(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(FileFormatError, match="old binary Excel"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(FileFormatError, match="not an XLSX workbook"):
        read_table(b"a,b\n", fmt="xlsx")
    with pytest.raises(FileFormatError, match="named like a workbook"):
        read_table(b"a,b\n", filename="items.xlsx")


def test_xlsx_sample_reads():
    table = read_table((Path(__file__).parents[2] / "docs" / "samples" / "open-items.xlsx").read_bytes())
    assert table.rows[1].cells[3] == 1800000201 and table.rows[1].cells[7] == Decimal("12.5")


# --------------------------------------------------------------------------- ECB


def test_ecb_golden_sample():
    rates = read_ecb((DATA / "eurofxref-daily.xml").read_bytes())
    assert len(rates) == 30
    assert {r.time for r in rates} == {"2025-06-13"}
    assert [(r.line, r.currency, r.rate) for r in rates[:3]] == [(9, "USD", "1.1512"), (10, "JPY", "165.84"),
                                                                 (11, "BGN", "1.9558")]
    assert (rates[-1].line, rates[-1].currency, rates[-1].rate) == (38, "ZAR", "20.6536")
    table = ecb_table(rates)
    assert (table.format, table.numbering, table.headers) == ("ecb", "line", ["rate_date", "base", "quote", "rate",
                                                                              "source"])
    assert table.rows[0].cells == ("2025-06-13", "EUR", "USD", "1.1512", "ECB")


def test_ecb_history_with_several_days():
    rates = read_ecb((Path(__file__).parents[2] / "docs" / "samples" / "ecb-rates.xml").read_bytes())
    assert [(r.time, r.currency) for r in rates if r.currency == "USD"] == [("2026-01-06", "USD"),
                                                                            ("2026-01-05", "USD")]
    assert detect_format(b"\xef\xbb\xbf  <?xml version='1.0'?><x/>") == "ecb"


@pytest.mark.parametrize(("data", "message"), [
    (b"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;'>]><lolz>&lol2;</lolz>",
     "document type declaration"),
    (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]><x>&xxe;</x>",
     "document type declaration"),
    (b"<Envelope><Cube><Cube currency='USD' rate='1'/></Cube></Envelope>", "line 1: a rate outside a <Cube time"),
    (b"<rss><channel/></rss>", "not an ECB reference-rate file .root element <rss>"),
    (b"<Envelope><Cube/></Envelope>", "contains no exchange rates"),
    (b"<Envelope><Cube>", "not well-formed XML"),
    (b"   ", "empty"),
])
def test_ecb_refuses_dangerous_or_foreign_xml(data, message):
    with pytest.raises(FileFormatError, match=message):
        read_ecb(data)


# --------------------------------------------------------------------------- cells


@pytest.mark.parametrize(("cell", "expected"), [
    ("2026-01-31", dt.date(2026, 1, 31)), ("31.01.2026", dt.date(2026, 1, 31)), ("1.2.2026", dt.date(2026, 2, 1)),
    ("20260131", dt.date(2026, 1, 31)), (20260131, dt.date(2026, 1, 31)), (dt.date(2026, 1, 31), dt.date(2026, 1, 31)),
    (dt.datetime(2026, 1, 31), dt.date(2026, 1, 31)),
])
def test_dates(cell, expected):
    assert cells.date(cell) == expected


@pytest.mark.parametrize(("cell", "message"), [
    ("01/31/2026", r"'01/31/2026' is not a date \(use YYYY-MM-DD\)"), ("2026-02-30", "'2026-02-30' is not a valid date"),
    (dt.datetime(2026, 1, 31, 8, 0), "has a time of day"), (Decimal("45322"), "'45322' is not a date"),
])
def test_bad_dates(cell, message):
    with pytest.raises(ValueError, match=message):
        cells.date(cell)


@pytest.mark.parametrize(("cell", "expected"), [
    ("1234.50", Decimal("1234.50")), ("-12", Decimal("-12")), ("+0.5", Decimal("0.5")), (7, Decimal(7)),
    (Decimal("0.30000000000000004"), Decimal("0.30000000000000004")),
])
def test_decimals(cell, expected):
    value = cells.decimal(cell)
    assert value == expected and str(value) == str(expected)


@pytest.mark.parametrize(("cell", "message"), [
    ("1.234,50", "use '.' as the decimal separator"), ("1,234.50", "use '.' as the decimal separator"),
    ("€ 12", "is not a number"), ("1e3", "is not a number"), (True, "is not a number"), ("NaN", "is not a number"),
])
def test_bad_decimals(cell, message):
    with pytest.raises(ValueError, match=message):
        cells.decimal(cell)


def test_text_of_cells():
    assert [cells.text(c) for c in (None, " a ", 42, Decimal("1800000201.0"), Decimal("1.50"), dt.date(2026, 1, 2),
                                    dt.datetime(2026, 1, 2), True)] == [
        "", "a", "42", "1800000201", "1.50", "2026-01-02", "2026-01-02", "TRUE"]


# --------------------------------------------------------------------------- headers and mappings


def test_headers_match_loosely_and_through_a_mapping():
    mapping = Mapping.from_json({"columns": {"KUNNR": "account_number", "SGTXT": IGNORE, "Name 1": "Name"}})
    targets, problems = resolve(["Account-Number ", "NAME 1", "sgtxt", "Country"],
                                ["account_number", "name", "country"], Mapping())
    assert targets == ["account_number", None, None, "country"]
    assert [(p.column, p.message[:20]) for p in problems] == [("NAME 1", "is not a known colum"),
                                                              ("sgtxt", "is not a known colum")]
    targets, problems = resolve(["kunnr", "NAME 1", "sgtxt", "", "Country"], ["account_number", "name", "country"],
                                mapping, has_data=[True, True, True, False, True])
    assert (targets, problems) == (["account_number", "name", None, None, "country"], [])


def test_header_problems():
    targets, problems = resolve(["name", "Name", ""], ["name"], Mapping(), has_data=[True, True, True])
    assert [(p.column, p.message) for p in problems] == [
        ("Name", "fills 'name', which column 'name' already fills"), ("#3", "column 3 holds data but has no header")]


def test_mapping_shapes():
    assert parse_pairs(" KUNNR = account_number , ZZ=- ,").columns == {"KUNNR": "account_number", "ZZ": "-"}
    merged = Mapping.from_json({"columns": {"A": "x"}, "values": {"t": {"1": "a"}}}).merged(
        Mapping.from_json({"columns": {"B": "y"}, "values": {"t": {"2": "b"}}}))
    assert merged.to_json() == {"columns": {"A": "x", "B": "y"}, "values": {"t": {"1": "a", "2": "b"}}}
    for bad in (["x"], {"columns": {"A": 1}}, {"values": {"t": "x"}}, {"colums": {}}, {"columns": {" ": "x"}}):
        with pytest.raises(ValueError):
            Mapping.from_json(bad)
    with pytest.raises(ValueError, match="is not SOURCE=column"):
        parse_pairs("KUNNR")
