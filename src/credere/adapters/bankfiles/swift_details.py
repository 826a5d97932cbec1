"""The ``:86:`` information of an MT940/MT942 transaction, in the three shapes banks write:
German structured fields (``166?00…?20…?29…?30…?31…?32…``, with the SEPA keywords ``EREF+``,
``SVWZ+``… in the purpose), slash-coded fields (``/EREF/…/REMI/…/NAME/…/IBAN/…``), and free
text, which becomes the remittance as it stands."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .values import NO_REFERENCE

_SEPA_KEYWORDS = ("EREF", "KREF", "MREF", "CRED", "DEBT", "SVWZ", "ABWA", "ABWE", "IBAN", "BIC", "PURP", "COAM", "OAMT")
_SEPA_SPLIT = re.compile(r"(?:^|(?<=\s)|(?<=[^A-Z]))(" + "|".join(_SEPA_KEYWORDS) + r")\+")
_SLASH_CODES = (
    "EREF", "REMI", "NAME", "IBAN", "BIC", "CNTP", "ORDP", "BENM", "MARF", "CSID", "PURP", "RTRN", "ADDR", "ISDT",
    "TRCD", "PREF", "KREF", "SVWZ", "OCMT", "ULTD", "ULTC", "ACCW", "BENM",
)
_SLASH_CODE = re.compile(r"/(" + "|".join(sorted(set(_SLASH_CODES))) + r")/")
_GERMAN = re.compile(r"^(\d{3})\?(\d{2})")
_GERMAN_FIELD_LENGTH = 27
SWIFT_LINE_LENGTH = 65


def join_wrapped(parts: list[str], width: int, first_offset: int = 0) -> str:
    """Join fields a bank wrapped at a fixed width: a full-width part continues without a space.

    ``first_offset`` counts characters in front of the first part on its line (the ``:86:`` tag).
    """
    text = ""
    previous_full = False
    for index, part in enumerate(parts):
        if text and not previous_full:
            text += " "
        text += part
        previous_full = len(part) + (first_offset if index == 0 else 0) >= width
    return " ".join(text.split())


@dataclass
class Details:
    name: str = ""
    account: str = ""
    remittance: str = ""
    end_to_end_id: str = ""
    gvc: str = ""
    references: list[str] = field(default_factory=list)
    #: ``/RTRN/`` of a returned payment: its reason code (``AC04``).
    return_code: str = ""


def _sepa_keywords(purpose: str, details: Details) -> None:
    """Split ``EREF+… SVWZ+…`` purpose text; text before the first keyword stays remittance."""
    matches = list(_SEPA_SPLIT.finditer(purpose))
    if not matches:
        details.remittance = purpose
        return
    free = [purpose[: matches[0].start()].strip()]
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(purpose)
        value = purpose[match.end():end].strip()
        keyword = match.group(1)
        if keyword == "EREF":
            if value.upper() not in NO_REFERENCE:
                details.end_to_end_id = value
        elif keyword == "SVWZ":
            free.append(value)
        elif keyword == "IBAN" and not details.account:
            details.account = value
        elif keyword == "KREF" and value.upper() not in NO_REFERENCE:
            details.references.append(value)
    details.remittance = " ".join(part for part in free if part)


def _germandetails_of(text: str, details: Details) -> None:
    flat = text.replace("\n", "")
    details.gvc = flat[:3]
    fields: dict[str, list[str]] = {}
    for match in re.finditer(r"\?(\d{2})([^?]*)", flat[3:]):
        fields.setdefault(match.group(1), []).append(match.group(2))
    purpose_parts = [part for key in sorted(fields) if "20" <= key <= "29" or "60" <= key <= "63" for part in fields[key]]
    details.account = "".join(fields.get("31", [])).strip()
    details.name = join_wrapped([part for key in ("32", "33") for part in fields.get(key, [])], _GERMAN_FIELD_LENGTH)
    _sepa_keywords(join_wrapped(purpose_parts, _GERMAN_FIELD_LENGTH), details)


def _slashdetails_of(text: str, details: Details) -> None:
    flat = join_wrapped(text.split("\n"), SWIFT_LINE_LENGTH, first_offset=4)
    matches = list(_SLASH_CODE.finditer(flat))
    values: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(flat)
        values.setdefault(match.group(1), flat[match.end():end].strip("/ ").strip())
    remittance = values.get("REMI", "") or values.get("SVWZ", "")
    for prefix in ("USTD//", "USTD/", "STRD/CUR/", "STRD/"):
        if remittance.startswith(prefix):
            remittance = remittance[len(prefix):]
            break
    details.remittance = " ".join(remittance.split())
    end_to_end = values.get("EREF", "")
    details.end_to_end_id = "" if end_to_end.upper() in NO_REFERENCE else end_to_end
    details.name = " ".join(values.get("NAME", "").split())
    details.account = values.get("IBAN", "") or values.get("ACCW", "")
    counterparty = values.get("CNTP") or values.get("ORDP") or values.get("BENM")
    if counterparty:
        # CNTP/<account>/<BIC>/<name>/<city>; ORDP and BENM use //NAME/… inside.
        parts = counterparty.split("/")
        if not details.account and parts and parts[0]:
            details.account = parts[0]
        if not details.name and len(parts) > 2:
            details.name = " ".join(parts[2].split())
    if values.get("MARF"):
        details.references.append(values["MARF"])
    details.return_code = " ".join(values.get("RTRN", "").split())


def details_of(text: str) -> Details:
    details = Details()
    if _GERMAN.match(text.replace("\n", "")):
        _germandetails_of(text, details)
    elif _SLASH_CODE.search(text.replace("\n", "")) and text.lstrip().startswith("/"):
        _slashdetails_of(text, details)
    else:
        details.remittance = join_wrapped(text.split("\n"), SWIFT_LINE_LENGTH, first_offset=4)
    return details
