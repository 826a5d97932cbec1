"""Showing sensitive values to people who may not see them in full: bank accounts, tax and
registration ids, e-mail addresses and phone numbers, masked so that a person can still tell two
apart and recognise their own (``DE89 •••• 3000``), and nothing more.

Pure functions, property tested: a masked value never holds more than the few characters it is
meant to show, and masking what is already masked changes nothing.
"""

from __future__ import annotations

#: What stands for the hidden characters.
DOTS = "••••"


def mask_account(value: str) -> str:
    """A bank account (IBAN or a local number): its first four and last four characters.

    ``DE89370400440532013000`` -> ``DE89 •••• 3000``; a short number keeps only its last two."""
    text = "".join((value or "").split())
    if not text or DOTS in text:
        return value or ""
    if len(text) <= 8:
        return f"{DOTS} {text[-2:]}" if len(text) > 4 else DOTS
    return f"{text[:4]} {DOTS} {text[-4:]}"


def mask_identifier(value: str) -> str:
    """A tax or registration id: its last three characters (``DE811234567`` -> ``•••• 567``)."""
    text = (value or "").strip()
    if not text or DOTS in text:
        return text
    return f"{DOTS} {text[-3:]}" if len(text) > 6 else DOTS


def mask_email(value: str) -> str:
    """An e-mail address: the first letter of the mailbox and the domain (``j•••@example.com``)."""
    text = (value or "").strip()
    if not text or DOTS in text:
        return text
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return DOTS
    return f"{local[0]}{DOTS}@{domain}"


def mask_phone(value: str) -> str:
    """A phone number: its last two digits (``+49 30 1234567`` -> ``•••• 67``)."""
    digits = [c for c in (value or "") if c.isdigit()]
    if not digits or DOTS in (value or ""):
        return (value or "").strip()
    return f"{DOTS} {''.join(digits[-2:])}" if len(digits) > 4 else DOTS


def mask_name(value: str) -> str:
    """A person's name: initials only (``Anna Schmidt`` -> ``A. S.``)."""
    parts = [p for p in (value or "").split() if p]
    if not parts or DOTS in (value or ""):
        return (value or "").strip()
    return " ".join(f"{p[0]}." for p in parts[:3])


#: The mask for each kind of sensitive value.
MASKS = {"account": mask_account, "identifier": mask_identifier, "email": mask_email, "phone": mask_phone,
         "name": mask_name}


def mask(kind: str, value: str) -> str:
    return MASKS[kind](value)
