"""Tell which sanctions list format a file is in, from its content (never from its name)."""

from __future__ import annotations

import csv
import io

from .ofac_csv import ALT_COLUMNS, SDN_COLUMNS, decode
from .values import SanctionsFormatError
from .xmlfile import root_element

UNKNOWN_FORMAT = ("not a recognised sanctions list format (EU FSF XML 1.1, OFAC sdn.xml or sdn.csv, UK Sanctions "
                  "List XML, UN consolidated list XML)")

#: Format → the list and format in words.
FORMAT_NAMES = {
    "eu-fsf": "EU consolidated financial sanctions list, XML 1.1",
    "ofac-sdn-xml": "OFAC SDN list, XML (sdn.xml)",
    "ofac-sdn-csv": "OFAC SDN list, CSV (sdn.csv)",
    "ofac-alt-csv": "OFAC SDN aliases, CSV (alt.csv)",
    "ofac-add-csv": "OFAC SDN addresses, CSV (add.csv)",
    "uk-sanctions-list": "UK Sanctions List, XML",
    "un-consolidated": "UN Security Council consolidated list, XML",
}
_EU_NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"
_XML_ROOTS = {"sdnList": "ofac-sdn-xml", "Designations": "uk-sanctions-list", "CONSOLIDATED_LIST": "un-consolidated"}
_NOT_SUPPORTED = {
    "ArrayOfFinancialSanctionsTarget": "this is OFSI's former consolidated list (closed on 28 January 2026), which "
                                       "is not read: use the FCDO UK Sanctions List XML",
    "Sanctions": "this is an advanced-format XML (OFAC sdn_advanced.xml), which is not read: use OFAC's sdn.xml",
}
_CSV_WIDTHS = {len(SDN_COLUMNS): "ofac-sdn-csv", len(ALT_COLUMNS): "ofac-alt-csv", 6: "ofac-add-csv"}


def detect(content: bytes) -> str:
    """``eu-fsf``, ``ofac-sdn-xml``, ``ofac-sdn-csv``, ``ofac-alt-csv``, ``ofac-add-csv``,
    ``uk-sanctions-list`` or ``un-consolidated``; :class:`SanctionsFormatError` for anything else."""
    head = content[:65536]
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        root, namespace = root_element(head)
        if root == "export" and namespace == _EU_NAMESPACE:
            return "eu-fsf"
        if root in _XML_ROOTS:
            return _XML_ROOTS[root]
        if root in _NOT_SUPPORTED:
            raise SanctionsFormatError("", _NOT_SUPPORTED[root])
        raise SanctionsFormatError("", f"{UNKNOWN_FORMAT}: an XML file with root <{root}>")
    if b"\x00" in head:
        raise SanctionsFormatError("", UNKNOWN_FORMAT)
    lines = decode(head).splitlines()
    for row in csv.reader(io.StringIO("\n".join(lines[:20]))):
        if not any(f.strip() for f in row):
            continue
        fields = [f.strip() for f in row]
        numbered = fields[0].isdigit() and (len(fields) == len(SDN_COLUMNS) or fields[1].isdigit())
        if numbered and len(fields) in _CSV_WIDTHS:
            return _CSV_WIDTHS[len(fields)]
        break
    raise SanctionsFormatError("", UNKNOWN_FORMAT)
