"""Tell which bank statement format a file is in, from its content (never from its name)."""

from __future__ import annotations

import re

from .values import StatementError

UNKNOWN_FORMAT = "not a recognised bank statement format (camt.052/053/054, MT940/942, BAI2 or CSV)"

_CAMT_NAMESPACE = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:camt\.05[234]\.001\.\d{2}")
_SWIFT_TAG = re.compile(r"^:(\d{2}[A-Z]?|NS):", re.MULTILINE)
_CSV_DELIMITERS = (";", ",", "\t")
_BAI2_RECORD = re.compile(r"^(01|02|03|16|49|88|98|99),")
_INTRADAY_TAGS = frozenset({"34F", "13D", "90D", "90C"})
_BALANCE_TAGS = frozenset({"60F", "60M", "62F", "62M"})

#: How each detected format is named in messages.
FORMAT_NAMES = {"camt": "ISO 20022 camt", "mt940": "MT940", "mt942": "MT942", "bai2": "BAI2", "csv": "CSV"}


def _text_head(data: bytes, size: int = 65536) -> str:
    head = data[:size]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head.decode("latin-1")


def _looks_like_xml(head: str) -> bool:
    return head.lstrip().startswith("<")


def _swift_tags(text: str) -> set[str]:
    return {match.group(1) for match in _SWIFT_TAG.finditer(text.replace("\r", ""))}


def detect_format(data: bytes, filename: str = "") -> str:
    """Return ``camt``, ``mt940``, ``mt942``, ``bai2`` or ``csv``; raise :class:`StatementError` otherwise.

    ``filename`` is accepted for the caller's convenience and messages only: the decision is made from the
    content, so a camt.053 called ``statement.txt`` is still read as camt.
    """
    del filename
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise StatementError("", UNKNOWN_FORMAT)
    head = _text_head(data)
    stripped = head.lstrip()
    if _looks_like_xml(stripped) or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # The namespace of the root element decides; a camt namespace anywhere in the first 64 KiB is enough
        # to route the file to the camt reader, which then checks the root properly and names what is wrong.
        sample = data[:65536]
        if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
            sample = sample.decode("utf-16", "ignore").encode("utf-8")
        if _CAMT_NAMESPACE.search(sample):
            return "camt"
        raise StatementError("", UNKNOWN_FORMAT)
    if stripped.startswith("01,"):
        return "bai2"
    tags = _swift_tags(head if len(data) <= 65536 else data.decode("latin-1"))
    if "20" in tags and ("61" in tags or "25" in tags):
        if tags & {"60F", "60M", "62F", "62M"}:
            return "mt940"
        if tags & {"34F", "13D"}:
            return "mt942"
    if "25" in tags and tags & {"60F", "60M"}:
        return "mt940"
    if tags & {"34F", "13D"} and not tags & {"60F", "60M"} and "25" in tags:
        return "mt942"
    lines = [line for line in stripped.splitlines() if line.strip()]
    # A fragment or a damaged file in a bank format goes to that format's reader, which says what is missing,
    # rather than to the CSV reader (which would ask for a column mapping).
    first_lines = [line.strip() for line in lines[:200]]
    # BAI2: records ending in "/"; a bank may wrap a record's text onto a line of its own (no record code).
    bai2_records = [line for line in first_lines if _BAI2_RECORD.match(line)]
    if (first_lines and _BAI2_RECORD.match(first_lines[0]) and 2 * len(bai2_records) >= len(first_lines)
            and any(line.endswith("/") for line in first_lines)):
        return "bai2"
    # A bank header (``ABNANL2A``, ``940``, ``{1:F01…}{4:``) may come before the first tag.
    first_tag = next((line for line in first_lines[:8] if _SWIFT_TAG.match(line.partition("{4:")[2] or line)), "")
    if first_tag and len(tags) >= 2:
        return "mt942" if tags & _INTRADAY_TAGS and not tags & _BALANCE_TAGS else "mt940"
    if lines and any(delimiter in lines[0] for delimiter in _CSV_DELIMITERS) and len(lines[0]) < 4000:
        return "csv"
    raise StatementError("", UNKNOWN_FORMAT)
