"""Sanctions list files in their official formats, in; :class:`~.values.SanctionsFile` values out. Pure Python,
no Django.

One reader per format, each ``parse(content: bytes) -> SanctionsFile``:

* :func:`parse_eu`: the EU consolidated financial sanctions list, XML 1.1 (FSF ``xmlFullSanctionsList_1_1``);
* :func:`parse_ofac_xml`: OFAC's SDN list, ``sdn.xml``;
* :func:`parse_ofac_csv`: OFAC's SDN list, ``sdn.csv`` with, optionally, ``alt.csv`` for aliases;
* :func:`parse_uk`: the FCDO UK Sanctions List, XML;
* :func:`parse_un`: the UN Security Council consolidated list, XML.

:func:`detect` tells the format from the content and :func:`parse_any` reads a file in whichever it is. XML is
read incrementally (lxml ``iterparse``, each record cleared once read), never fetching anything and never
expanding entities (a DOCTYPE is refused). A file that cannot be read completely raises
:class:`~.values.SanctionsFormatError` naming the element or row and the reason: nothing is skipped silently.

The values are what screening needs (:mod:`credere.domain.screening` takes any ``Listed``): reference, kind,
primary name, aliases (weak ones flagged), countries (ISO alpha-2 where known), programmes, listing date,
identifiers and remark.
"""

from __future__ import annotations

from collections.abc import Callable

from . import eu, ofac, ofac_csv, uk, un
from .countries import country_code
from .detect import FORMAT_NAMES, detect
from .values import KINDS, Identifier, Listed, SanctionsFile, SanctionsFormatError

parse_eu = eu.parse
parse_ofac_xml = ofac.parse
parse_ofac_csv = ofac_csv.parse
parse_uk = uk.parse
parse_un = un.parse

#: Format (as :func:`detect` names it) → its reader.
PARSERS: dict[str, Callable[[bytes], SanctionsFile]] = {
    "eu-fsf": eu.parse,
    "ofac-sdn-xml": ofac.parse,
    "ofac-sdn-csv": ofac_csv.parse,
    "uk-sanctions-list": uk.parse,
    "un-consolidated": un.parse,
}

__all__ = [
    "FORMAT_NAMES",
    "KINDS",
    "PARSERS",
    "Identifier",
    "Listed",
    "SanctionsFile",
    "SanctionsFormatError",
    "country_code",
    "detect",
    "parse_any",
    "parse_eu",
    "parse_ofac_csv",
    "parse_ofac_xml",
    "parse_uk",
    "parse_un",
]


def parse_any(content: bytes) -> SanctionsFile:
    """``content`` read in the format :func:`detect` finds. OFAC's ``alt.csv`` and ``add.csv`` alone are not
    lists: read ``alt.csv`` together with ``sdn.csv`` (``parse_ofac_csv(sdn, alt=alt)``)."""
    found = detect(content)
    parser = PARSERS.get(found)
    if parser is None:
        raise SanctionsFormatError("", f"this is {FORMAT_NAMES[found]}, which is not a list on its own: read "
                                       "it together with sdn.csv (parse_ofac_csv(sdn, alt=alt))")
    return parser(content)
