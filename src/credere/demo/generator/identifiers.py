"""Company identifiers, bank accounts and phone numbers in each customer country's format,
with valid check digits where known.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from credere.demo.generator.draws import between, digits
from credere.demo.generator.reference import COUNTRIES

#: Business length of the IBAN's BBAN and how many leading letters it has.
BBAN_SHAPES: dict[str, tuple[int, int]] = {
    "DE": (18, 0), "AT": (16, 0), "CH": (17, 0), "FR": (23, 0), "IT": (23, 1), "ES": (20, 0), "PT": (21, 0),
    "NL": (14, 4), "BE": (12, 0), "PL": (24, 0), "CZ": (20, 0), "SE": (20, 0), "DK": (14, 0), "NO": (11, 0),
    "FI": (14, 0), "IE": (18, 4), "GB": (18, 4),
}
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def luhn_check_digit(number: str) -> str:
    """The Luhn digit to append to ``number``."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def mod_11_10_check_digit(number: str) -> str:
    """ISO 7064 MOD 11,10 check digit (German VAT numbers)."""
    product = 10
    for ch in number:
        s = (product + int(ch)) % 10 or 10
        product = (2 * s) % 11
    return str((11 - product) % 10)


def iban(country: str, bban: str) -> str:
    """An IBAN with correct ISO 13616 check digits for ``bban``."""
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def _weighted_check(number: str, weights: tuple[int, ...], modulus: int) -> int:
    return sum(int(d) * w for d, w in zip(number, weights, strict=False)) % modulus


def _ids_de(rng: random.Random, legal: str) -> tuple[str, str]:
    base = digits(rng, 8)
    register = "HRA" if legal in ("KG", "e.K.") else "HRB"
    return f"{register} {between(rng, 1000, 249999)}", f"DE{base}{mod_11_10_check_digit(base)}"


def _ids_at(rng: random.Random, legal: str) -> tuple[str, str]:
    base = digits(rng, 7)
    s = 0
    for i, ch in enumerate(base):
        d = int(ch) * (2 if i % 2 else 1)
        s += d // 10 + d % 10
    check = (10 - (s + 4) % 10) % 10
    return f"FN {between(rng, 10000, 599999)}{rng.choice('abdfghikmpstvwxyz')}", f"ATU{base}{check}"


def _ids_ch(rng: random.Random, legal: str) -> tuple[str, str]:
    while True:
        base = digits(rng, 8)
        check = 11 - _weighted_check(base, (5, 4, 3, 2, 7, 6, 5, 4), 11)
        if check == 11:
            check = 0
        if check < 10:
            break
    uid = f"CHE-{base[:3]}.{base[3:6]}.{base[6:]}{check}"
    return uid, f"{uid} MWST"


def _ids_fr(rng: random.Random, legal: str) -> tuple[str, str]:
    base = digits(rng, 8)
    siren = base + luhn_check_digit(base)
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"{siren[:3]} {siren[3:6]} {siren[6:]}", f"FR{key:02d}{siren}"


def _ids_gb(rng: random.Random, legal: str) -> tuple[str, str]:
    base = digits(rng, 7)
    check = -_weighted_check(base, (8, 7, 6, 5, 4, 3, 2), 97) % 97
    company = ("OC" if legal == "LLP" else "0") + digits(rng, 6 if legal == "LLP" else 7)
    return company, f"GB{base}{check:02d}"


def _ids_ie(rng: random.Random, legal: str) -> tuple[str, str]:
    number = digits(rng, 7)
    total = sum(int(d) * w for d, w in zip(number, (8, 7, 6, 5, 4, 3, 2), strict=True))
    letter = "WABCDEFGHIJKLMNOPQRSTUV"[total % 23]
    return str(between(rng, 100000, 749999)), f"IE{number}{letter}"


def _ids_nl(rng: random.Random, legal: str) -> tuple[str, str]:
    while True:
        base = digits(rng, 8)
        check = _weighted_check(base, (9, 8, 7, 6, 5, 4, 3, 2), 11)
        if check < 10:
            break
    return digits(rng, 8), f"NL{base}{check}B01"


def _ids_be(rng: random.Random, legal: str) -> tuple[str, str]:
    base = "0" + digits(rng, 7)
    number = f"{base}{97 - int(base) % 97:02d}"
    return f"{number[:4]}.{number[4:7]}.{number[7:]}", f"BE{number}"


def _ids_it(rng: random.Random, legal: str) -> tuple[str, str]:
    base = digits(rng, 7) + f"{between(rng, 1, 100):03d}"
    piva = base + luhn_check_digit(base)
    province = rng.choice(("MI", "RM", "TO", "BO", "VR", "BS", "BG", "FI", "NA", "PD"))
    return f"{province}-{between(rng, 100000, 2500000)}", f"IT{piva}"


def _ids_es(rng: random.Random, legal: str) -> tuple[str, str]:
    letter = "B" if legal == "S.L." else "A"
    number = digits(rng, 7)
    total = 0
    for i, ch in enumerate(number):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d // 10 + d % 10
        total += d
    cif = f"{letter}{number}{(10 - total % 10) % 10}"
    return cif, f"ES{cif}"


def _ids_pl(rng: random.Random, legal: str) -> tuple[str, str]:
    while True:
        base = digits(rng, 9)
        check = _weighted_check(base, (6, 5, 7, 2, 3, 4, 5, 6, 7), 11)
        if check < 10:
            break
    return f"KRS {between(rng, 1, 999999):010d}", f"PL{base}{check}"


def _ids_se(rng: random.Random, legal: str) -> tuple[str, str]:
    base = "55" + digits(rng, 7)
    number = base + luhn_check_digit(base)
    return f"{number[:6]}-{number[6:]}", f"SE{number}01"


def _ids_dk(rng: random.Random, legal: str) -> tuple[str, str]:
    while True:
        base = digits(rng, 7)
        check = -_weighted_check(base, (2, 7, 6, 5, 4, 3, 2), 11) % 11
        if check < 10:
            break
    cvr = f"{base}{check}"
    return cvr, f"DK{cvr}"


def _ids_no(rng: random.Random, legal: str) -> tuple[str, str]:
    while True:
        base = rng.choice("89") + digits(rng, 7)
        check = 11 - _weighted_check(base, (3, 2, 7, 6, 5, 4, 3, 2), 11)
        if check == 11:
            check = 0
        if check < 10:
            break
    number = f"{base}{check}"
    return number, f"NO{number}MVA"


def _ids_fi(rng: random.Random, legal: str) -> tuple[str, str]:
    while True:
        base = digits(rng, 7)
        rest = _weighted_check(base, (7, 9, 10, 5, 8, 4, 2), 11)
        check = 0 if rest == 0 else 11 - rest
        if check < 10:
            break
    return f"{base}-{check}", f"FI{base}{check}"


def _ids_jp(rng: random.Random, legal: str) -> tuple[str, str]:
    body = digits(rng, 12)
    total = sum(int(d) * (2 if i % 2 else 1) for i, d in enumerate(reversed(body), start=1))
    number = f"{9 - total % 9}{body}"
    return number, f"T{number}"


def _ids_us(rng: random.Random, legal: str) -> tuple[str, str]:
    prefix = rng.choice((10, 12, 20, 26, 27, 30, 33, 35, 38, 45, 46, 47, 52, 56, 61, 77, 81, 84, 88, 91, 94, 95))
    state = rng.choice(("DE", "NY", "CA", "TX", "IL", "NJ", "FL", "OH", "WA", "MA"))
    return f"{state} {between(rng, 1000000, 7999999)}", f"{prefix}-{digits(rng, 7)}"


def _ids_other(rng: random.Random, country: str) -> tuple[str, str]:
    formats: dict[str, Callable[[], tuple[str, str]]] = {
        "CZ": lambda: (f"{digits(rng, 8)}", f"CZ{digits(rng, 8)}"),
        "PT": lambda: (f"{rng.choice('5')}{digits(rng, 8)}", ""),
        "CA": lambda: (f"{digits(rng, 7)}", f"{digits(rng, 9)} RT0001"),
        "MX": lambda: ("", f"{''.join(rng.choice(LETTERS) for _ in range(3))}{digits(rng, 6)}{digits(rng, 3)}"),
        "BR": lambda: ("", f"{digits(rng, 2)}.{digits(rng, 3)}.{digits(rng, 3)}/0001-{digits(rng, 2)}"),
        "KR": lambda: (f"{digits(rng, 6)}-{digits(rng, 7)}", f"{digits(rng, 3)}-{digits(rng, 2)}-{digits(rng, 5)}"),
        "CN": lambda: ("", f"91{digits(rng, 6)}MA{digits(rng, 6)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}"),
        "SG": lambda: (f"20{digits(rng, 7)}{rng.choice(LETTERS)}", f"M{digits(rng, 8)}{rng.choice(LETTERS)}"),
        "AU": lambda: (f"{digits(rng, 3)} {digits(rng, 3)} {digits(rng, 3)}", f"{digits(rng, 2)} {digits(rng, 3)} {digits(rng, 3)} {digits(rng, 3)}"),
        "IN": lambda: (f"U{digits(rng, 5)}MH{between(rng, 1990, 2023)}PTC{digits(rng, 6)}", f"27{''.join(rng.choice(LETTERS) for _ in range(5))}{digits(rng, 4)}{rng.choice(LETTERS)}1Z{rng.choice(LETTERS)}"),
    }
    make = formats.get(country)
    return make() if make else (digits(rng, 8), "")


_ID_MAKERS = {
    "DE": _ids_de, "AT": _ids_at, "CH": _ids_ch, "FR": _ids_fr, "GB": _ids_gb, "IE": _ids_ie, "NL": _ids_nl,
    "BE": _ids_be, "IT": _ids_it, "ES": _ids_es, "PL": _ids_pl, "SE": _ids_se, "DK": _ids_dk, "NO": _ids_no,
    "FI": _ids_fi, "JP": _ids_jp, "US": _ids_us,
}


def company_ids(rng: random.Random, country: str, legal: str) -> tuple[str, str]:
    """(registration id, tax/VAT id) in the country's format, with valid check digits where known."""
    maker = _ID_MAKERS.get(country)
    return maker(rng, legal) if maker else _ids_other(rng, country)


def bank_account(rng: random.Random, country: str) -> str:
    spec = BBAN_SHAPES.get(country)
    if spec is not None:
        length, letters = spec
        bban = "".join(rng.choice(LETTERS) for _ in range(letters)) + digits(rng, length - letters)
        return iban(country, bban)
    if country == "US":
        routing = digits(rng, 8)
        check = -_weighted_check(routing, (3, 7, 1, 3, 7, 1, 3, 7), 10) % 10
        return f"{routing}{check} {digits(rng, 10)}"
    return f"{digits(rng, 4)}-{digits(rng, 3)}-{digits(rng, 7)}"


def phone(rng: random.Random, country: str) -> str:
    code = COUNTRIES[country].phone
    if country == "GB":
        return f"+44 20 7946 0{between(rng, 0, 999):03d}"  # Ofcom range reserved for drama
    if code == "+1":
        return f"+1 {between(rng, 201, 989)} 555 01{between(rng, 0, 99):02d}"  # 555-0100..0199 are fictional
    return f"{code} {between(rng, 10, 99)} {digits(rng, between(rng, 6, 8))}"
