"""A second, adversarial generator of payments with ground truth: the remittance patterns real payers write.

Written independently of the first generator (``cashapp.py``'s ``generate``) and of the engine's weights, from the
patterns seen in real payment sets shaped like an ERP's export:

* document numbers as ERPs give them: ten-digit numbers, nearly sequential, so that a garbled number is often
  another real invoice's number (of another customer, or of the same one);
* customers with several invoices of the same amount (monthly fees), and customers whose names share words;
* small differences of a cent to a few units between invoice and payment (rounding, fees taken by the banks);
* references split by spaces (``5519302 418``), several glued into one digit string, with a digit dropped,
  doubled, swapped or replaced, between noise words, dates, customer numbers and random tokens;
* one invoice settled by two or three transfers with the same reference;
* payer names that are initials, a trading name, the name cut at the bank's 35 characters, another legal form
  ("& Co. KG" for "GmbH"), or the Latin spelling of a name the ERP holds in Cyrillic or Greek;
* all together: a payment for several invoices whose memo lists them, some garbled, less a small deduction.

Only a minority of payers has a known bank account (an ERP export rarely carries one).

    .venv/bin/python benchmarks/cashapp.py --generator patterns [--sizes 1000,10000]
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from cashapp import AS_OF, Case  # type: ignore[import-not-found]
from credere.domain.matching import OpenItem, Payment
from credere.domain.money import quantize

SURNAMES = ("Meyer", "Schmidt", "Dubois", "Rossi", "Kowalski", "Novak", "Jensen", "Larsen", "Moreau", "Bauer",
            "Fischer", "Weber", "Costa", "Silva", "Horvath", "Varga", "Nagy", "Petrov", "Ivanova", "Lindqvist",
            "Bergman", "Keller", "Wagner", "Becker", "Hoffmann", "Marchetti", "Lambert", "Girard", "Olsen", "Brandt")
TRADES = ("Logistik", "Logistics", "Bau", "Construction", "Elektro", "Electric", "Metallbau", "Steel", "Foods",
          "Lebensmittel", "Print", "Druck", "Pharma", "Textil", "Haustechnik", "Facility Services", "Transport",
          "Automotive", "Software", "Maschinenbau", "Packaging", "Chemie", "Agrar", "Medical", "Furniture")
FORMS = ("GmbH", "GmbH & Co. KG", "AG", "Ltd", "Limited", "S.A.", "SARL", "S.p.A.", "Sp. z o.o.", "B.V.", "Kft.",
         "A/S", "AB", "Inc.", "plc")
OTHER_FORMS = {"GmbH": "GmbH & Co. KG", "GmbH & Co. KG": "GmbH", "Ltd": "Limited", "Limited": "Ltd",
               "S.A.": "SA", "SARL": "S.A.R.L.", "AG": "Aktiengesellschaft", "Kft.": "KFT"}
#: Customers whose ERP record is in another script; the bank writes the payer in Latin letters.
CYRILLIC = (("ООО Северный Ветер", "OOO SEVERNYY VETER"), ("АО Промтехника", "AO PROMTEKHNIKA"),
            ("ООО Балтийская Логистика", "OOO BALTIYSKAYA LOGISTIKA"), ("ЗАО Уралметалл", "ZAO URALMETALL"),
            ("Εταιρεία Αθηνά Α.Ε.", "ETAIREIA ATHINA AE"), ("ООО Вектор Плюс", "OOO VEKTOR PLYUS"))
NOISE = ("Rechnung", "Rg.", "RE", "INV", "Invoice", "Fact.", "Facture", "Fattura", "Zahlung", "payment", "Beleg",
         "Nr.", "No", "Kd-Nr", "KDNR", "Ihre Rechnung vom", "SEPA", "Überweisung", "EREF", "SVWZ", "MREF", "ABWA",
         "TRF", "/ROC/", "/INV/", "CUST", "ZV")


def _name(rng: random.Random, used: set[str], index: int) -> str:
    for _ in range(20):
        name = f"{rng.choice(SURNAMES)} {rng.choice(TRADES)} {rng.choice(FORMS)}"
        if name not in used:
            return name
    return f"{rng.choice(SURNAMES)} {rng.choice(TRADES)} {index} {rng.choice(FORMS)}"


def _payer_name(rng: random.Random, name: str, latin: str) -> str:
    """How a bank writes the customer as the payer."""
    if latin:
        return latin
    words = name.split()
    core = [w for w in words if w not in {"GmbH", "&", "Co.", "KG", "AG", "Ltd", "Limited", "S.A.", "SARL", "S.p.A.",
                                          "Sp.", "z", "o.o.", "B.V.", "Kft.", "A/S", "AB", "Inc.", "plc"}]
    r = rng.random()
    if r < 0.30:
        return name
    if r < 0.45:
        return name.upper()[:35]  # the bank's field is 35 characters
    if r < 0.55:
        form = next((f for f in OTHER_FORMS if name.endswith(" " + f)), "")
        return name[: -len(form)] + OTHER_FORMS[form] if form else name
    if r < 0.65:
        return "".join(w[0] for w in core).upper() + " " + words[-1]  # initials: "MLG GmbH"
    if r < 0.78:
        return core[0] + " " + core[1][:3] + "."  # a shortened trading name: "Meyer Log."
    if r < 0.88:
        return core[0].upper() + " " + core[1].upper()
    return (name + " " + rng.choice(("Zweigniederlassung Süd", "Niederlassung Hamburg", "c/o Buchhaltung")))[:35]


def _garble(rng: random.Random, digits: str) -> str:
    i = rng.randrange(1, len(digits) - 1)
    kind = rng.choice(("drop", "double", "swap", "replace"))
    if kind == "drop":
        return digits[:i] + digits[i + 1:]
    if kind == "double":
        return digits[:i] + digits[i] + digits[i:]
    if kind == "swap":
        return digits[:i - 1] + digits[i] + digits[i - 1] + digits[i + 1:]
    return digits[:i] + str((int(digits[i]) + rng.randrange(1, 10)) % 10) + digits[i + 1:]


def _split(rng: random.Random, digits: str) -> str:
    i = rng.randrange(3, len(digits) - 2)
    return digits[:i] + " " + digits[i:]


def _token(rng: random.Random) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(4, 11)))


def _memo(rng: random.Random, refs: list[str], customer_number: str) -> str:
    sep = rng.choice((" ", ", ", "/", " + ", ";", " u. ", " and "))
    words = [rng.choice(NOISE)] if rng.random() < 0.8 else []
    words.append(sep.join(refs))
    if rng.random() < 0.35:
        words.append(f"{rng.choice(('Kd-Nr', 'KDNR', 'Customer', 'Client'))} {customer_number}")
    if rng.random() < 0.3:
        day = AS_OF - dt.timedelta(days=rng.randrange(0, 60))
        words.append(rng.choice((day.strftime("%d.%m.%Y"), day.isoformat(), day.strftime("%d%m%y"))))
    if rng.random() < 0.25:
        words.insert(rng.randrange(len(words) + 1), _token(rng))
    if rng.random() < 0.2:
        words.insert(0, f"EREF+{_token(rng)}")
    return " ".join(words)


def generate(n_payments: int, n_items: int, seed: int) -> Case:  # noqa: C901 - one scenario table
    rng = random.Random(seed * 7919 + 13)
    n_customers = max(n_items // 8, 4)
    customers: list[tuple[str, str, str, str, str]] = []  # account, ERP name, bank's Latin name, IBAN, currency
    used: set[str] = set()
    for c in range(n_customers):
        latin = ""
        if rng.random() < 0.02:
            name, latin = CYRILLIC[rng.randrange(len(CYRILLIC))]
            name, latin = f"{name} {c}", f"{latin} {c}"
        else:
            name = _name(rng, used, c)
        used.add(name)
        currency = rng.choices(("EUR", "USD", "GBP", "HUF"), weights=(80, 8, 8, 4))[0]
        customers.append((f"{100000 + c}", name, latin, f"DE{rng.randrange(10**20):020d}", currency))
    items: list[OpenItem] = []
    number = 5519300000
    by_customer: dict[str, list[OpenItem]] = {}
    for n in range(n_items):
        account, name, _latin, _iban, currency = customers[rng.randrange(n_customers)]
        number += rng.choice((1, 1, 1, 2, 3))
        doc = AS_OF - dt.timedelta(days=rng.randrange(3, 150))
        mine = by_customer.setdefault(account, [])
        if mine and rng.random() < 0.25:  # a monthly fee: the same amount as an earlier invoice of the customer
            amount = mine[-1].amount
        else:
            amount = quantize(Decimal(int(rng.lognormvariate(8.5, 1.2))) + Decimal(rng.randrange(100)) / 100,
                              currency)
            if currency == "HUF":
                amount = quantize(amount * 390, "HUF")
        item = OpenItem(item_id=f"I{n:07d}", customer_account=account, customer_name=name,
                        document_number=str(number), currency=currency, amount=max(amount, Decimal("1.00")),
                        document_date=doc, due_date=doc + dt.timedelta(days=rng.choice((14, 30, 30, 45, 60))),
                        references=(f"45{rng.randrange(10**7, 10**8)}",) if rng.random() < 0.3 else ())
        items.append(item)
        mine.append(item)
    info = {c[0]: c for c in customers}
    known = {c[3]: c[0] for c in customers if rng.random() < 0.3}
    free = list(range(n_items))
    rng.shuffle(free)
    taken: set[str] = set()
    payments: list[Payment] = []
    truth: set[tuple[str, str]] = set()
    scenario: dict[str, str] = {}

    def next_item() -> OpenItem | None:
        while free:
            item = items[free.pop()]
            if item.item_id not in taken:
                taken.add(item.item_id)
                return item
        return None

    def siblings(item: OpenItem, most: int) -> list[OpenItem]:
        found = [x for x in by_customer[item.customer_account] if x.item_id not in taken][:most]
        taken.update(x.item_id for x in found)
        return found

    def pay(kind: str, amount: Decimal, currency: str, memo: str, account: str, linked: list[OpenItem]) -> None:
        pid = f"P{len(payments):07d}"
        _acc, name, latin, iban, _ccy = info[account]
        with_account = iban in known and rng.random() < 0.6
        date = AS_OF - dt.timedelta(days=rng.randrange(0, 6))
        payments.append(Payment(pid, _payer_name(rng, name, latin), iban if with_account else "", memo, amount,
                                currency, date))
        scenario[pid] = kind
        truth.update((pid, x.item_id) for x in linked)

    def small_difference(item: OpenItem) -> Decimal:
        if item.currency == "HUF":
            return Decimal(rng.choice((1, 2, 5, 10, 50, 100, 300)))
        return Decimal(rng.choice((1, 1, 2, 3, 5, 10, 50, 100, 150, 250, 400, 500))) / 100

    while len(payments) < n_payments:
        kind = rng.choices(
            ("exact", "small_difference", "split_reference", "garbled", "glued", "memo_deduction", "instalments",
             "noise", "name_only", "customer_number", "unrelated"),
            weights=(18, 15, 8, 10, 7, 8, 8, 7, 7, 4, 4))[0]
        if kind == "unrelated":
            pid = f"P{len(payments):07d}"
            payments.append(Payment(pid, rng.choice(("Finanzamt", "Stadtwerke", "Versicherung AG", "Refund")),
                                    "", rng.choice(("Erstattung", "interest", "Gutschrift " + _token(rng), "")),
                                    quantize(Decimal(rng.randrange(500, 90_000)) / 100, "EUR"), "EUR", AS_OF))
            scenario[pid] = kind
            continue
        item = next_item()
        if item is None:
            break
        account, digits, ccy = item.customer_account, item.document_number, item.currency
        if kind == "exact":
            pay(kind, item.amount, ccy, _memo(rng, [digits], account), account, [item])
        elif kind == "small_difference":
            ref = digits if rng.random() < 0.6 else rng.choice((_garble(rng, digits), _split(rng, digits)))
            delta = small_difference(item)
            amount = item.amount - delta if rng.random() < 0.8 or item.amount <= delta else item.amount + delta
            pay(kind, amount, ccy, _memo(rng, [ref], account), account, [item])
        elif kind == "split_reference":
            pay(kind, item.amount, ccy, _memo(rng, [_split(rng, digits)], account), account, [item])
        elif kind == "garbled":
            pay(kind, item.amount, ccy, _memo(rng, [_garble(rng, digits)], account), account, [item])
        elif kind in ("glued", "memo_deduction"):
            group = [item, *siblings(item, rng.randrange(1, 4))]
            if len(group) == 1:
                pay("exact", item.amount, ccy, _memo(rng, [digits], account), account, [item])
                continue
            total = sum((x.amount for x in group), Decimal(0))
            if kind == "glued":
                refs = ["".join(x.document_number for x in group)]
            else:
                refs = [_garble(rng, x.document_number) if rng.random() < 0.35 else x.document_number for x in group]
                total -= small_difference(item)
            pay(kind, total, ccy, _memo(rng, refs, account), account, group)
        elif kind == "instalments":
            parts = rng.choice((2, 2, 3))
            shares = sorted(rng.sample(range(1, 100), parts - 1))
            amounts, last = [], Decimal(0)
            for share in shares:
                cut = quantize(item.amount * share / 100, ccy)
                amounts.append(cut - last)
                last = cut
            amounts.append(item.amount - last)
            if any(a <= 0 for a in amounts):
                amounts = [item.amount]
            memo = _memo(rng, [digits], account)
            for amount in amounts:
                pay(kind, amount, ccy, memo, account, [item])
        elif kind == "noise":
            ref = digits if rng.random() < 0.5 else _split(rng, digits)
            memo = " ".join([_token(rng), rng.choice(NOISE), ref, _token(rng), f"ORDER {rng.randrange(1000, 9999)}"])
            pay(kind, item.amount, ccy, memo, account, [item])
        elif kind == "name_only":
            pay(kind, item.amount, ccy, rng.choice(("", "Zahlung", "payment", "Rechnungsausgleich", "see advice")),
                account, [item])
        else:  # the customer number instead of the invoice number
            pay(kind, item.amount, ccy, f"{rng.choice(('Kd-Nr', 'Kunde', 'Customer', 'Acct'))} {account}", account,
                [item])
    kept = payments[:n_payments]
    ids = {p.payment_id for p in kept}
    return Case(items, kept, {t for t in truth if t[0] in ids}, known, scenario)
