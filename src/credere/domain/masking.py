"""Showing sensitive values to people who may not see them in full: bank accounts, tax and
registration ids, e-mail addresses and phone numbers, masked so that a person can still tell two
apart and recognise their own (``DE89 •••• 3000``), and nothing more.

Pure functions, property tested: a masked value never holds more than the few characters it is
meant to show, and masking what is already masked changes nothing. A value is taken as already
masked only when it has exactly the shape a mask gives — a value that merely contains the dots (a
payer can write anything on a transfer) is masked like any other.
"""

from __future__ import annotations

import re

#: What stands for the hidden characters.
DOTS = "••••"

_MASKED = {
    "account": re.compile(rf"^(?:\S{{4}} {DOTS} \S{{4}}|{DOTS}(?: \S{{2,3}})?)$"),
    "identifier": re.compile(rf"^{DOTS}(?: .{{3}})?$", re.DOTALL),
    "email": re.compile(rf"^(?:.{DOTS}@.*|{DOTS})$", re.DOTALL),
    "phone": re.compile(rf"^{DOTS}(?: \d{{2}})?$"),
    "name": re.compile(r"^(?:\S\. ?){1,3}$"),
}


def _masked(kind: str, value: str) -> bool:
    return bool(_MASKED[kind].match(value))


def mask_account(value: str) -> str:
    """A bank account. An IBAN (15 characters or more) keeps its first four and last four characters
    (``DE89370400440532013000`` -> ``DE89 •••• 3000``); a local account number of 9 to 14 characters its
    last three, of 5 to 8 its last two; a shorter one nothing."""
    text = "".join((value or "").split())
    if not text or _masked("account", (value or "").strip()):
        return (value or "").strip()
    if len(text) >= 15:
        return f"{text[:4]} {DOTS} {text[-4:]}"
    if len(text) >= 9:
        return f"{DOTS} {text[-3:]}"
    return f"{DOTS} {text[-2:]}" if len(text) > 4 else DOTS


def mask_identifier(value: str) -> str:
    """A tax or registration id: its last three characters (``DE811234567`` -> ``•••• 567``)."""
    text = (value or "").strip()
    if not text or _masked("identifier", text):
        return text
    return f"{DOTS} {text[-3:]}" if len(text) > 6 else DOTS


def mask_email(value: str) -> str:
    """An e-mail address: the first letter of the mailbox and the domain (``j•••@example.com``)."""
    text = (value or "").strip()
    if not text or _masked("email", text):
        return text
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return DOTS
    return f"{local[0]}{DOTS}@{domain}"


def mask_phone(value: str) -> str:
    """A phone number: its last two digits (``+49 30 1234567`` -> ``•••• 67``)."""
    text = (value or "").strip()
    digits = [c for c in text if c.isdigit()]
    if not text or _masked("phone", text):
        return text
    return f"{DOTS} {''.join(digits[-2:])}" if len(digits) > 4 else DOTS


def mask_name(value: str) -> str:
    """A person's name: initials only (``Anna Schmidt`` -> ``A. S.``)."""
    text = (value or "").strip()
    parts = [p for p in text.split() if p]
    if not parts or _masked("name", text):
        return text
    return " ".join(f"{p[0]}." for p in parts[:3])


#: The mask for each kind of sensitive value.
MASKS = {"account": mask_account, "identifier": mask_identifier, "email": mask_email, "phone": mask_phone,
         "name": mask_name}


def mask(kind: str, value: str) -> str:
    return MASKS[kind](value)
