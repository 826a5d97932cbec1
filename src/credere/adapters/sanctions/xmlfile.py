"""Reading big sanctions list XML files safely and incrementally (lxml iterparse), and small helpers.

A DOCTYPE (and with it any entity declaration) is refused before parsing; the parser never fetches anything
from the network and never expands entities. Each record (``sanctionEntity``, ``sdnEntry``…) is handed to the
caller whole at its end tag and then cleared, together with the records read before it, so memory stays flat
on the 20 MB EU file and the 100 MB OFAC file alike.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from collections.abc import Iterable, Iterator

from lxml import etree

from .countries import country_code
from .values import SanctionsFormatError

type Element = etree._Element

_NAME = re.compile(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_DEFAULT_NAMESPACE = re.compile(rb"""\sxmlns\s*=\s*(["'])(.*?)\1""", re.S)


def _prolog_end(content: bytes) -> int:
    """Where the root element starts, after the XML declaration, comments and processing instructions."""
    i = 3 if content.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while i < len(content) and content[i:i + 1].isspace():
            i += 1
        if content.startswith(b"<?", i):
            close = b"?>"
        elif content.startswith(b"<!--", i):
            close = b"-->"
        elif content.startswith(b"<!", i):
            raise SanctionsFormatError("", "the file declares a DOCTYPE; sanctions list files have none, and it is "
                                           "refused (entity expansion)")
        else:
            return i
        end = content.find(close, i)
        if end < 0:
            raise SanctionsFormatError("", "the XML prolog is not closed")
        i = end + len(close)


def root_element(content: bytes) -> tuple[str, str]:
    """The local name and default namespace of the root element, read from the start of the file."""
    start = _prolog_end(content)
    match = _NAME.match(content, start)
    if not match:
        raise SanctionsFormatError("", "no XML root element")
    end = content.find(b">", start)
    tag = content[start:end if end > 0 else start + 4096]
    namespace = _DEFAULT_NAMESPACE.search(tag)
    return match.group(2).decode("ascii"), namespace.group(2).decode("utf-8", "replace") if namespace else ""


def local(element: Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def iterate(content: bytes, *, root: str, tags: Iterable[str], records: Iterable[str],
            ) -> Iterator[tuple[str, Element]]:
    """``(event, element)`` for the start and end of the elements named in ``tags`` (any namespace).

    The root element must be ``root``. An element named in ``records`` is cleared, with the records before
    it, once the caller has dealt with its end event.
    """
    found, _ = root_element(content)
    if found != root:
        raise SanctionsFormatError("", f"the root element is <{found}>, not <{root}>")
    record_names = set(records)
    parser = etree.iterparse(
        io.BytesIO(content), events=("start", "end"), tag=[f"{{*}}{t}" for t in {root, *tags, *record_names}],
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=True,
        remove_comments=True, remove_pis=True,
    )
    try:
        for event, element in parser:
            yield event, element
            if event == "end" and local(element) in record_names:
                element.clear(keep_tail=False)
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as error:
        line = error.lineno or 0
        raise SanctionsFormatError(f"line {line}" if line else "", f"not well-formed XML ({error.msg})") from None


def children(element: Element, name: str) -> list[Element]:
    return list(element.iterchildren(f"{{*}}{name}"))


def child(element: Element, name: str) -> Element | None:
    return next(element.iterchildren(f"{{*}}{name}"), None)


def text(element: Element | None) -> str:
    """The element's text, whitespace collapsed ("" for a missing or empty element)."""
    if element is None or element.text is None:
        return ""
    return " ".join(element.text.split())


def child_text(element: Element, name: str) -> str:
    return text(child(element, name))


def texts(element: Element, path: str) -> list[str]:
    """The non-empty texts at ``path`` (``a/b/c``, local names, direct children at each step)."""
    level = [element]
    for name in path.split("/"):
        level = [c for e in level for c in e.iterchildren(f"{{*}}{name}")]
    return [t for t in (text(e) for e in level) if t]


def descendant_texts(element: Element, name: str) -> list[str]:
    """The non-empty texts of all elements named ``name`` below ``element``, at any depth."""
    return [t for e in element.iter(f"{{*}}{name}") if e is not element and (t := text(e))]


def distinct(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values in first-seen order, each once."""
    return tuple(dict.fromkeys(v for v in values if v))


def countries(values: Iterable[str]) -> tuple[str, ...]:
    return distinct(country_code(v) for v in values)


def parse_date(value: str, formats: tuple[str, ...], location: str) -> dt.date | None:
    """``value`` read with the first fitting ``strptime`` format ("" → None); anything else is an error."""
    value = value.strip()
    if not value:
        return None
    for fmt in formats:
        try:
            return dt.date(*time.strptime(value, fmt)[:3])
        except ValueError:
            continue
    raise SanctionsFormatError(location, f"{value!r} is not a date")
