"""Company identifiers, bank accounts and phone numbers in each customer country's format.

Registration and tax/VAT numbers get their check digits from python-stdnum (its
``calc_check_digit`` functions, or the digit that makes its ``checksum`` zero), IBANs
their ISO 13616 check digits from schwifty; ``tests/demo`` validates what is generated with
the same libraries. Countries whose numbers have no check digits here (see
:func:`_ids_other`) get numbers of the right shape only.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from schwifty import IBAN
from stdnum import luhn
from stdnum.at import uid as at_uid
from stdnum.be import vat as be_vat
from stdnum.ch import uid as ch_uid
from stdnum.dk import cvr as dk_cvr
from stdnum.es import cif as es_cif
from stdnum.fi import alv as fi_alv
from stdnum.fi import ytunnus as fi_ytunnus
from stdnum.fr import siren as fr_siren
from stdnum.gb import vat as gb_vat
from stdnum.ie import vat as ie_vat
from stdnum.iso7064 import mod_11_10
from stdnum.jp import cn as jp_cn
from stdnum.nl import bsn as nl_bsn
from stdnum.no import orgnr as no_orgnr
from stdnum.pl import nip as pl_nip
from stdnum.se import orgnr as se_orgnr
from stdnum.us import rtn as us_rtn

from credere.demo.generator.draws import between, digits
from credere.demo.generator.reference import COUNTRIES

#: Length of the IBAN's BBAN and how many leading letters it has.
BBAN_SHAPES: dict[str, tuple[int, int]] = {
    "DE": (18, 0), "AT": (16, 0), "CH": (17, 0), "FR": (23, 0), "IT": (23, 1), "ES": (20, 0), "PT": (21, 0),
    "NL": (14, 4), "BE": (12, 0), "PL": (24, 0), "CZ": (20, 0), "SE": (20, 0), "DK": (14, 0), "NO": (11, 0),
    "FI": (14, 0), "IE": (18, 4), "GB": (18, 4),
}
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _with_check_digit(draw: Callable[[], str], checksum: Callable[[str], int]) -> tuple[str, str]:
    """A drawn number and the digit that makes ``checksum(number + digit)`` zero.

    For the weighted mod-11 schemes some numbers would need "10": those are drawn again.
    """
    while True:
        base = draw()
        for check in "0123456789":
            if checksum(base + check) == 0:
                return base, check


def _ids_de(rng: random.Random, legal: str) -> tuple[str, str]:
    base = digits(rng, 8)
    register = "HRA" if legal in ("KG", "e.K.") else "HRB"
    return f"{register} {between(rng, 1000, 249999)}", f"DE{base}{mod_11_10.calc_check_digit(base)}"


def _ids_at(rng: random.Random, legal: str) -> tuple[str, str]:
    base = digits(rng, 7)
    check = at_uid.calc_check_digit("U" + base)
    return f"FN {between(rng, 10000, 599999)}{rng.choice('abdfghikmpstvwxyz')}", f"ATU{base}{check}"


def _ids_ch(rng: random.Random, legal: str) -> tuple[str, str]:
    while True:
        base = digits(rng, 8)
        check = ch_uid.calc_check_digit(base)
        if len(check) == 1:  # not "10"
            break
    uid = f"CHE-{base[:3]}.{base[3:6]}.{base[6:]}{check}"
    return uid, f"{uid} MWST"


def _ids_fr(rng: random.Random, legal: str) -> tuple[str, str]:
    base = digits(rng, 8)
    siren = base + luhn.calc_check_digit(base)
    return fr_siren.format(siren), f"FR{fr_siren.to_tva(siren)}"


def _ids_gb(rng: random.Random, legal: str) -> tuple[str, str]:
    base = digits(rng, 7)
    check = -gb_vat.checksum(base + "00") % 97  # the two digits that make stdnum's checksum zero
    company = ("OC" if legal == "LLP" else "0") + digits(rng, 6 if legal == "LLP" else 7)
    return company, f"GB{base}{check:02d}"


def _ids_ie(rng: random.Random, legal: str) -> tuple[str, str]:
    number = digits(rng, 7)
    return str(between(rng, 100000, 749999)), f"IE{number}{ie_vat.calc_check_digit(number)}"


def _ids_nl(rng: random.Random, legal: str) -> tuple[str, str]:
    base, check = _with_check_digit(lambda: digits(rng, 8), nl_bsn.checksum)
    return digits(rng, 8), f"NL{base}{check}B01"


def _ids_be(rng: random.Random, legal: str) -> tuple[str, str]:
    base = "0" + digits(rng, 7)
    number = f"{base}{97 - be_vat.checksum(base + '00'):02d}"  # 97 - (base mod 97)
    return f"{number[:4]}.{number[4:7]}.{number[7:]}", f"BE{number}"


def _ids_it(rng: random.Random, legal: str) -> tuple[str, str]:
    base = digits(rng, 7) + f"{between(rng, 1, 100):03d}"
    piva = base + luhn.calc_check_digit(base)
    province = rng.choice(("MI", "RM", "TO", "BO", "VR", "BS", "BG", "FI", "NA", "PD"))
    return f"{province}-{between(rng, 100000, 2500000)}", f"IT{piva}"


def _ids_es(rng: random.Random, legal: str) -> tuple[str, str]:
    number = ("B" if legal == "S.L." else "A") + digits(rng, 7)
    cif = number + es_cif.calc_check_digits(number)[0]  # companies use the digit, not the letter
    return cif, f"ES{cif}"


def _ids_pl(rng: random.Random, legal: str) -> tuple[str, str]:
    base, check = _with_check_digit(lambda: digits(rng, 9), pl_nip.checksum)
    return f"KRS {between(rng, 1, 999999):010d}", f"PL{base}{check}"


def _ids_se(rng: random.Random, legal: str) -> tuple[str, str]:
    base = "55" + digits(rng, 7)
    number = base + luhn.calc_check_digit(base)
    return se_orgnr.format(number), f"SE{number}01"


def _ids_dk(rng: random.Random, legal: str) -> tuple[str, str]:
    base, check = _with_check_digit(lambda: digits(rng, 7), dk_cvr.checksum)
    return base + check, f"DK{base}{check}"


def _ids_no(rng: random.Random, legal: str) -> tuple[str, str]:
    base, check = _with_check_digit(lambda: rng.choice("89") + digits(rng, 7), no_orgnr.checksum)
    return base + check, f"NO{base}{check}MVA"


def _ids_fi(rng: random.Random, legal: str) -> tuple[str, str]:
    base, check = _with_check_digit(lambda: digits(rng, 7), fi_alv.checksum)
    return fi_ytunnus.format(base + check), f"FI{base}{check}"


def _ids_jp(rng: random.Random, legal: str) -> tuple[str, str]:
    body = digits(rng, 12)
    number = jp_cn.calc_check_digit(body) + body  # the corporate number's check digit comes first
    return number, f"T{number}"


def _ids_us(rng: random.Random, legal: str) -> tuple[str, str]:
    prefix = rng.choice((10, 12, 20, 26, 27, 30, 33, 35, 38, 45, 46, 47, 52, 56, 61, 77, 81, 84, 88, 91, 94, 95))
    state = rng.choice(("DE", "NY", "CA", "TX", "IL", "NJ", "FL", "OH", "WA", "MA"))
    return f"{state} {between(rng, 1000000, 7999999)}", f"{prefix}-{digits(rng, 7)}"


def _ids_other(rng: random.Random, country: str) -> tuple[str, str]:
    """Numbers of the country's shape, without check digits."""
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
    """An IBAN where the country has them, else a US routing and account number, or a local number."""
    shape = BBAN_SHAPES.get(country)
    if shape is not None:
        length, letters = shape
        bban = "".join(rng.choice(LETTERS) for _ in range(letters)) + digits(rng, length - letters)
        return str(IBAN.from_bban(country, bban))
    if country == "US":
        routing = digits(rng, 8)
        return f"{routing}{us_rtn.calc_check_digit(routing)} {digits(rng, 10)}"
    return f"{digits(rng, 4)}-{digits(rng, 3)}-{digits(rng, 7)}"


def phone(rng: random.Random, country: str) -> str:
    """A phone number in a range that reaches nobody where the country has one, else a random one."""
    code = COUNTRIES[country].phone
    if country == "GB":
        return f"+44 20 7946 0{between(rng, 0, 999):03d}"  # Ofcom range reserved for drama
    if code == "+1":
        return f"+1 {between(rng, 201, 989)} 555 01{between(rng, 0, 99):02d}"  # 555-0100..0199 are fictional
    return f"{code} {between(rng, 10, 99)} {digits(rng, between(rng, 6, 8))}"

