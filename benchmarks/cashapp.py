"""Benchmark cash matching: a seeded generator of payments with ground truth, engine vs baseline.

    .venv/bin/python benchmarks/cashapp.py [--sizes 1000,10000] [--with-100k] [--seed 7]
                                           [--items-per-payment 10] [--repeat 1]

For each size N it generates N payments against 10 x N open items (one-to-one, one payment
for several items, several payments for one item, cash discounts, deductions, bank charges,
overpayments, invoices paid net of a credit note, perturbed references and payer names,
missing references, unknown payer accounts, payers known neither by account nor by name
and without reference, four currencies, payments that match nothing) and reports, for the
engine (:func:`credere.domain.matching.match_batch`) and for a baseline that applies a
payment only to an item whose document number appears exactly in the text:

* auto-applied: share of payments the policy applies without a clerk;
* precision of the auto-applied links (payment, item) against the ground truth;
* recall and F1 of all proposed links (applied and suggested);
* time (index building included; the median of ``--repeat`` runs), and at the end one table
  of all sizes: seconds per 1,000 payments and its ratio to the smallest size (1.0 when the
  cost grows linearly with the number of payments).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from credere.domain.fx import RateTable  # noqa: E402
from credere.domain.matching import Link, MatchingPolicy, OpenItem, Payment, Proposal, match_batch  # noqa: E402
from credere.domain.money import quantize  # noqa: E402

AS_OF = dt.date(2026, 3, 31)
RATES = {"USD": Decimal("1.0850"), "GBP": Decimal("0.8420"), "JPY": Decimal("161.20")}
WORDS = ("Alpha", "Nord", "Baltic", "Sun", "River", "Atlas", "Kraft", "Vega", "Orion", "Delta", "Polar", "Green",
         "Iron", "Blue", "Silver", "Union", "Metro", "Pioneer", "Summit", "Harbor", "Falcon", "Cedar", "Apex", "Nova",
         "Lumen", "Titan", "Crest", "Vertex", "Meridian", "Horizon", "Granite", "Willow", "Aurora", "Zenith")
KINDS = ("Logistics", "Foods", "Metals", "Systems", "Trading", "Pharma", "Textiles", "Energy", "Retail", "Construction",
         "Chemicals", "Motors", "Paper", "Electronics", "Plastics", "Furniture")
SUFFIXES = ("GmbH", "Ltd", "SA", "Inc", "S.r.l.", "B.V.", "AG", "Limited", "LLC", "plc")


def rate_table() -> RateTable:
    rows = []
    for day in range(120):
        d = AS_OF - dt.timedelta(days=day)
        rows += [("EUR", ccy, d, r) for ccy, r in RATES.items()]
    return RateTable.from_rows(rows)


@dataclass
class Case:
    items: list[OpenItem]
    payments: list[Payment]
    truth: set[tuple[str, str]]
    known_accounts: dict[str, str]
    scenario: dict[str, str] = field(default_factory=dict)


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.choice(("sub", "del", "swap", "ins"))
    if kind == "sub":
        ch = text[i]
        repl = rng.choice("0123456789") if ch.isdigit() else rng.choice("abcdefghijklmnopqrstuvwxyz")
        return text[:i] + repl + text[i + 1:]
    if kind == "del":
        return text[:i] + text[i + 1:]
    if kind == "swap":
        return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]
    return text[:i] + text[i] + text[i:]


def _perturb_name(rng: random.Random, name: str) -> str:
    r = rng.random()
    if r < 0.3:
        return name
    if r < 0.5:
        return name.upper()
    if r < 0.7:
        return re.sub(r"\s+\S+$", " " + rng.choice(SUFFIXES), name)
    if r < 0.85:
        return re.sub(r"\s+\S+$", "", name)
    words = name.split()
    j = rng.randrange(len(words) - 1)
    words[j] = _typo(rng, words[j])
    return " ".join(words)


def _ref_text(rng: random.Random, item: OpenItem, *, fuzz: bool = True) -> str:
    number = item.document_number  # INV-00012345
    digits = number.split("-")[1]
    r = rng.random()
    if r < 0.35:
        ref = number
    elif r < 0.55:
        ref = "INV " + digits.lstrip("0")
    elif r < 0.7:
        ref = "RE" + digits
    elif r < 0.8 and item.references:
        ref = item.references[0]
    else:
        ref = digits.lstrip("0")
    if fuzz:
        f = rng.random()
        if f < 0.06:
            ref = _typo(rng, ref)
        elif f < 0.09:
            ref = ref[:-2]
    return ref


def generate(n_payments: int, n_items: int, seed: int) -> Case:  # noqa: C901 - one scenario table
    rng = random.Random(seed)
    n_customers = max(n_items // 10, 1)
    customers = []
    used_names: set[str] = set()
    for c in range(n_customers):
        while True:
            base = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)}"
            if base not in used_names:
                break
            base = ""
            if rng.random() < 0.01:
                base = f"{rng.choice(WORDS)} {rng.choice(KINDS)} {c}"
                break
        used_names.add(base)
        currency = rng.choices(("EUR", "USD", "GBP", "JPY"), weights=(70, 15, 10, 5))[0]
        customers.append((f"C{c:06d}", f"{base} {rng.choice(SUFFIXES)}", f"DE{rng.randrange(10**18):018d}", currency))
    items: list[OpenItem] = []
    for n in range(n_items):
        account, name, _iban, currency = customers[rng.randrange(n_customers)]
        doc = AS_OF - dt.timedelta(days=rng.randrange(5, 120))
        amount = quantize(Decimal(rng.randrange(5_000, 2_000_000)) / 100, currency)
        if currency == "JPY":
            amount = quantize(amount * 150, "JPY")
        has_discount = rng.random() < 0.3
        items.append(OpenItem(
            item_id=f"I{n:07d}", customer_account=account, customer_name=name,
            document_number=f"INV-{n + 10_000_000:08d}", currency=currency, amount=amount,
            document_date=doc, due_date=doc + dt.timedelta(days=30),
            references=(f"PO{rng.randrange(10**6, 10**7)}",) if rng.random() < 0.5 else (),
            discount_rate=Decimal("0.02") if has_discount else Decimal(0), discount_days=14 if has_discount else 0))
    by_customer: dict[str, list[OpenItem]] = {}
    for entry in items:
        by_customer.setdefault(entry.customer_account, []).append(entry)
    notes = 0

    def credit_note(of: OpenItem, amount: Decimal) -> OpenItem:
        nonlocal notes
        notes += 1
        note = OpenItem(item_id=f"N{notes:07d}", customer_account=of.customer_account, customer_name=of.customer_name,
                        document_number=f"CN-{notes + 50_000_000:08d}", currency=of.currency, amount=amount,
                        document_date=of.document_date + dt.timedelta(days=3),
                        due_date=of.document_date + dt.timedelta(days=3), is_credit=True)
        items.append(note)
        return note

    for account in sorted(by_customer):  # open credit notes no payment uses (2 % of customers)
        if rng.random() < 0.02:
            of = by_customer[account][0]
            credit_note(of, quantize(of.amount * Decimal(rng.choice(("0.1", "0.25", "0.5"))), of.currency))
    info = {c[0]: c for c in customers}
    known = {c[2]: c[0] for c in customers if rng.random() < 0.6}
    free = list(range(n_items))
    rng.shuffle(free)
    taken: set[str] = set()
    payments: list[Payment] = []
    truth: set[tuple[str, str]] = set()
    scenario: dict[str, str] = {}

    def pay(kind: str, amount: Decimal, currency: str, text: str, account: str, date: dt.date,
            linked: list[OpenItem]) -> None:
        pid = f"P{len(payments):07d}"
        _acc, name, iban, _ccy = info.get(account, ("", "", "", ""))
        r = rng.random()
        payer_iban = iban if r < 0.85 else f"GB{rng.randrange(10**18):018d}"  # paid from another account
        payments.append(Payment(pid, _perturb_name(rng, name), payer_iban, text, amount, currency, date))
        scenario[pid] = kind
        truth.update((pid, it.item_id) for it in linked)

    def next_item() -> OpenItem | None:
        while free:
            candidate = items[free.pop()]
            if candidate.item_id not in taken:
                taken.add(candidate.item_id)
                return candidate
        return None

    while len(payments) < n_payments:
        kind = rng.choices(("one", "many_items", "partial", "discount", "deduction", "charges", "over", "fx",
                            "nomatch", "noref", "credit", "amount_only"),
                           weights=(40, 12, 6, 8, 5, 4, 2, 5, 5, 13, 3, 3))[0]
        date = AS_OF - dt.timedelta(days=rng.randrange(0, 5))
        if kind == "nomatch":
            pid_amount = quantize(Decimal(rng.randrange(1_000, 500_000)) / 100, "EUR")
            pid = f"P{len(payments):07d}"
            payments.append(Payment(pid, f"{rng.choice(WORDS)}{rng.choice(WORDS)} Holding",
                                    f"FR{rng.randrange(10**18):018d}", rng.choice(("", "salary refund", "misc 77",
                                                                                  "Ref 2026/03")),
                                    pid_amount, "EUR", date))
            scenario[pid] = kind
            continue
        it = next_item()
        if it is None:
            break
        text_pre = rng.choice(("", "Payment ", "Zahlung ", "Rechnung ", "Inv. ", "Pmt for "))
        if kind == "many_items":
            group = [it] + [x for x in by_customer[it.customer_account] if x.item_id not in taken][: rng.randint(1, 4)]
            for x in group:
                taken.add(x.item_id)
            total = sum((x.amount for x in group), Decimal(0))
            refs = [_ref_text(rng, x) for x in group]
            text = text_pre + " ".join(refs) if rng.random() < 0.8 else "Payment of statement"
            pay(kind, total, it.currency, text, it.customer_account, date, group)
            continue
        text = text_pre + _ref_text(rng, it)
        if kind == "noref":
            text = rng.choice(("", "Payment", "Zahlung Rechnung", "see remittance advice"))
            pay(kind, it.amount, it.currency, text, it.customer_account, date, [it])
        elif kind == "credit":  # an invoice paid net of a credit note of the same customer
            note = credit_note(it, quantize(it.amount * Decimal(rng.randrange(5, 60)) / 100, it.currency))
            text = rng.choice((text, f"{text} ./. {note.document_number}", "Payment", ""))
            pay(kind, it.amount - note.amount, it.currency, text, it.customer_account, date, [it, note])
        elif kind == "amount_only":  # a payer known neither by account nor by name, no reference
            pid = f"P{len(payments):07d}"
            payments.append(Payment(pid, f"{rng.choice(WORDS)} {rng.choice(('Trust', 'Estate', 'Fund'))}",
                                    f"IT{rng.randrange(10**18):018d}",
                                    rng.choice(("", "payment", "transfer")), it.amount, it.currency,
                                    min(AS_OF, it.due_date + dt.timedelta(days=rng.randrange(-3, 4)))))
            scenario[pid] = kind
            truth.add((pid, it.item_id))
        elif kind == "partial":
            first = quantize(it.amount * Decimal(rng.choice(("0.3", "0.5", "0.6"))), it.currency)
            pay(kind, first, it.currency, text, it.customer_account, date, [it])
            pay(kind, it.amount - first, it.currency, text_pre + _ref_text(rng, it, fuzz=False),
                it.customer_account, date, [it])
        elif kind == "discount":
            if it.discount_rate == 0:
                pay("one", it.amount, it.currency, text, it.customer_account, date, [it])
                continue
            date = it.document_date + dt.timedelta(days=rng.randrange(0, it.discount_days + 1))
            net = it.amount - quantize(it.amount * it.discount_rate, it.currency)
            pay(kind, net, it.currency, text, it.customer_account, date, [it])
        elif kind == "deduction":
            short = quantize(min(it.amount * Decimal("0.015"), Decimal(40)) * Decimal(rng.random()), it.currency)
            pay(kind, it.amount - short, it.currency, text, it.customer_account, date, [it])
        elif kind == "charges":
            short = quantize(Decimal(rng.randrange(50, 1200)) / 100, "EUR")
            conv = quantize(short * (RATES.get(it.currency, Decimal(1))), it.currency)
            pay(kind, it.amount - conv, it.currency, text, it.customer_account, date, [it])
        elif kind == "over":
            pay(kind, it.amount + quantize(Decimal(rng.randrange(100, 50_000)) / 100, it.currency), it.currency, text,
                it.customer_account, date, [it])
        elif kind == "fx" and it.currency != "EUR":
            eur = quantize(it.amount / RATES[it.currency], "EUR", ROUND_HALF_EVEN)
            pay(kind, eur, "EUR", text, it.customer_account, date, [it])
        else:
            pay("one", it.amount, it.currency, text, it.customer_account, date, [it])
    return Case(items, payments[:n_payments], {t for t in truth if int(t[0][1:]) < n_payments}, known, scenario)


_DOCNO = re.compile(r"[A-Z]*-?\d{6,}")


def baseline(case: Case) -> list[Proposal]:
    """Exact document numbers only: the item whose number appears verbatim in the text, same currency."""
    by_number = {it.document_number: it for it in case.items}
    remaining = {it.item_id: it.amount for it in case.items}
    out = []
    for p in case.payments:
        links = []
        left = p.amount
        for number in _DOCNO.findall(p.reference_text):
            it = by_number.get(number)
            if it is None or it.currency != p.currency or left <= 0 or remaining[it.item_id] <= 0:
                continue
            amount = min(left, remaining[it.item_id])
            remaining[it.item_id] -= amount
            left -= amount
            links.append(Link(it.item_id, amount, amount))
        out.append(Proposal(p.payment_id, tuple(links), Decimal(1) if links else Decimal(0), (), bool(links)))
    return out


def score(case: Case, proposals: list[Proposal]) -> dict[str, float]:
    applied = {(p.payment_id, lk.item_id) for p in proposals if p.auto_apply for lk in p.links}
    proposed = {(p.payment_id, lk.item_id) for p in proposals for lk in p.links}
    auto_payments = sum(1 for p in proposals if p.auto_apply and p.links)
    tp_all = len(proposed & case.truth)
    precision_all = tp_all / len(proposed) if proposed else 1.0
    recall = tp_all / len(case.truth) if case.truth else 1.0
    f1 = 2 * precision_all * recall / (precision_all + recall) if precision_all + recall else 0.0
    auto_precision = len(applied & case.truth) / len(applied) if applied else 1.0
    auto_recall = len(applied & case.truth) / len(case.truth) if case.truth else 1.0
    auto_f1 = 2 * auto_precision * auto_recall / (auto_precision + auto_recall) if auto_precision + auto_recall else 0.0
    return {
        "auto_share": auto_payments / len(case.payments),
        "auto_precision": auto_precision, "auto_recall": auto_recall, "auto_f1": auto_f1,
        "precision": precision_all, "recall": recall, "f1": f1,
    }


@dataclass
class Row:
    n: int
    items: int
    engine_s: float
    baseline_s: float
    engine: dict[str, float]
    baseline: dict[str, float]


def run(n: int, seed: int, items_per_payment: int, repeat: int, generator: str = "standard") -> Row:
    t0 = time.perf_counter()
    if generator == "patterns":
        from remittance_patterns import generate as generate_patterns
        case = generate_patterns(n, items_per_payment * n, seed)
    else:
        case = generate(n, items_per_payment * n, seed)
    gen_s = time.perf_counter() - t0
    rates = rate_table()
    policy = MatchingPolicy()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        proposals = match_batch(case.items, case.payments, policy, rates=rates, known_accounts=case.known_accounts)
        times.append(time.perf_counter() - t0)
    engine_s = statistics.median(times)
    base_times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        base = baseline(case)
        base_times.append(time.perf_counter() - t0)
    base_s = statistics.median(base_times)
    runs = f", median of {repeat} runs" if repeat > 1 else ""
    print(f"\n{generator} generator: {n:,} payments vs {len(case.items):,} open items ({len(case.truth):,} true links), seed {seed}"
          f"{runs} (generated in {gen_s:.1f} s)")
    print(f"{'':10} {'auto-applied':>12} {'auto prec.':>10} {'auto rec.':>9} {'auto F1':>7} {'precision':>9} "
          f"{'recall':>7} {'F1':>6} {'seconds':>8} {'payments/s':>10}")
    scores = {}
    for label, props, secs in (("engine", proposals, engine_s), ("baseline", base, base_s)):
        s = scores[label] = score(case, props)
        print(f"{label:10} {s['auto_share']:12.1%} {s['auto_precision']:10.2%} {s['auto_recall']:9.2%} "
              f"{s['auto_f1']:7.3f} {s['precision']:9.2%} "
              f"{s['recall']:7.2%} {s['f1']:6.3f} {secs:8.2f} {n / secs:10,.0f}")
    if repeat > 1:
        print("engine seconds, each run:", " ".join(f"{t:.2f}" for t in times))
    found = {(p.payment_id, lk.item_id) for p in proposals for lk in p.links}
    applied = {(p.payment_id, lk.item_id) for p in proposals if p.auto_apply for lk in p.links}
    per: dict[str, list[int]] = {}
    for pid, item_id in case.truth:
        row = per.setdefault(case.scenario.get(pid, "?"), [0, 0, 0])
        row[0] += 1
        row[1] += (pid, item_id) in found
        row[2] += (pid, item_id) in applied
    print("engine by scenario (true links: found / auto-applied):",
          ", ".join(f"{k} {v[1] / v[0]:.1%}/{v[2] / v[0]:.1%}" for k, v in sorted(per.items())))
    wrong: dict[str, int] = {}
    wrong_suggested: dict[str, int] = {}
    for p in proposals:
        for lk in p.links:
            if (p.payment_id, lk.item_id) not in case.truth:
                k = case.scenario.get(p.payment_id, "?")
                table = wrong if p.auto_apply else wrong_suggested
                table[k] = table.get(k, 0) + 1
    if wrong:
        print("wrong auto-applied links by scenario:", dict(sorted(wrong.items())))
    if wrong_suggested:
        print("wrong suggested links by scenario:", dict(sorted(wrong_suggested.items())))
    return Row(n, len(case.items), engine_s, base_s, scores["engine"], scores["baseline"])


def summary(rows: list[Row]) -> None:
    """Seconds per 1,000 payments for every size, and the ratio to the smallest size."""
    first = rows[0]
    unit = first.engine_s / first.n * 1000
    base_unit = first.baseline_s / first.n * 1000
    print(f"\n{'payments':>9} {'items':>10} {'engine s':>9} {'s/1k pay':>9} {'ratio':>6} {'auto prec.':>10} "
          f"{'auto F1':>7} {'F1':>6} | {'baseline s':>10} {'s/1k pay':>9} {'ratio':>6} {'auto prec.':>10} {'F1':>6}")
    for r in rows:
        per_k = r.engine_s / r.n * 1000
        base_k = r.baseline_s / r.n * 1000
        print(f"{r.n:9,} {r.items:10,} {r.engine_s:9.2f} {per_k:9.3f} {per_k / unit:6.2f} "
              f"{r.engine['auto_precision']:10.2%} {r.engine['auto_f1']:7.3f} {r.engine['f1']:6.3f} | {r.baseline_s:10.2f} {base_k:9.4f} "
              f"{base_k / base_unit:6.2f} {r.baseline['auto_precision']:10.2%} {r.baseline['f1']:6.3f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024  # KiB on Linux
    print(f"peak memory of the process: {peak:.1f} GiB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="Comma-separated numbers of payments")
    parser.add_argument("--with-100k", action="store_true", help="Also run 100,000 payments (vs 1,000,000 items)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--items-per-payment", type=int, default=10, help="Open items per payment (default 10)")
    parser.add_argument("--repeat", type=int, default=1, help="Time each size this many times; report the median")
    parser.add_argument("--generator", choices=("standard", "patterns", "both"), default="both",
                        help="standard: this file's generator; patterns: remittance_patterns.py's adversarial one")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.with_100k and 100_000 not in sizes:
        sizes.append(100_000)
    generators = ("standard", "patterns") if args.generator == "both" else (args.generator,)
    for generator in generators:
        rows = [run(n, args.seed, args.items_per_payment, max(args.repeat, 1), generator) for n in sorted(sizes)]
        print(f"\n{generator} generator, all sizes:")
        summary(rows)


if __name__ == "__main__":
    main()
