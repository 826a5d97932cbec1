"""ECB euro foreign exchange reference rates (``eurofxref-daily.xml``, ``-hist.xml``, ``-hist-90d.xml``).

The format::

    <gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
                     xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
      <gesmes:subject>Reference rates</gesmes:subject>
      <Cube>
        <Cube time="2026-01-02">
          <Cube currency="USD" rate="1.0321"/>
          ...

Every rate is units of the currency per one euro. The XML is parsed with defusedxml:
no DTDs, no entity expansion, no external references (billion laughs and XXE are
refused, not expanded).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import ParseError

from credere.adapters.erpfiles.errors import FileFormatError
from credere.adapters.erpfiles.rows import Row, Table

BASE = "EUR"
SOURCE = "ECB"
#: The columns of the table :func:`ecb_table` builds (the FX-rate import columns).
COLUMNS = ("rate_date", "base", "quote", "rate", "source")


@dataclass(frozen=True, slots=True)
class EcbRate:
    line: int
    time: str
    currency: str
    rate: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Collector:
    """An ElementTree parser target that keeps only the Cube elements, with their lines."""

    def __init__(self) -> None:
        self.parser: Any = None
        self.rates: list[EcbRate] = []
        self.depth = 0
        self.root = ""
        self.time: str | None = None
        self.time_depth = -1

    def _line(self) -> int:
        return int(self.parser.parser.CurrentLineNumber)

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth += 1
        name = _local(tag)
        if self.depth == 1:
            self.root = name
        if name != "Cube":
            return
        if "time" in attrib:
            self.time, self.time_depth = attrib["time"].strip(), self.depth
        if "currency" in attrib or "rate" in attrib:
            if self.time is None:
                raise FileFormatError(f"line {self._line()}: a rate outside a <Cube time=...> element",
                                      row=self._line())
            self.rates.append(EcbRate(line=self._line(), time=self.time,
                                      currency=attrib.get("currency", "").strip(),
                                      rate=attrib.get("rate", "").strip()))

    def end(self, tag: str) -> None:
        if self.depth == self.time_depth:
            self.time, self.time_depth = None, -1
        self.depth -= 1

    def data(self, text: str) -> None:
        pass

    def close(self) -> list[EcbRate]:
        return self.rates


def read_ecb(data: bytes) -> list[EcbRate]:
    """All rates in file order; raise :class:`FileFormatError` for anything that is not ECB XML."""
    import defusedxml
    from defusedxml.ElementTree import DefusedXMLParser

    if not data.strip():
        raise FileFormatError("the file is empty")
    collector = _Collector()
    parser = DefusedXMLParser(target=collector, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    collector.parser = parser
    try:
        parser.feed(data)
        parser.close()
    except defusedxml.DTDForbidden:
        raise FileFormatError("the XML has a document type declaration (DTD); ECB files have none") from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise FileFormatError("the XML declares entities or external references; refused") from None
    except ParseError as exc:
        raise FileFormatError(f"not well-formed XML ({exc})") from None
    if collector.root != "Envelope":
        raise FileFormatError(f"not an ECB reference-rate file (root element <{collector.root}>, "
                              "expected <gesmes:Envelope>)")
    if not collector.rates:
        raise FileFormatError("the ECB file contains no exchange rates")
    return collector.rates


def ecb_table(rates: list[EcbRate]) -> Table:
    """The rates as an FX-rate table; row numbers are the lines of the XML file."""
    rows = [Row(number=r.line, cells=(r.time, BASE, r.currency, r.rate, SOURCE)) for r in rates]
    return Table(headers=list(COLUMNS), rows=rows, format="ecb", encoding="utf-8", numbering="line")
