"""Cash application services: statements in, matching runs, clerks' decisions, the policy.

Every write is authorised, runs in a transaction and leaves an audit event. Allocations are
made only through :func:`credere.ledger.services.allocate`, which locks the rows it touches,
so two runs at the same time can never apply the same money twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from credere.adapters.bankfiles import StatementError, parse_statements
from credere.adapters.bankfiles.csvfile import CsvMapping
from credere.adapters.bankfiles.detect import detect_format
from credere.adapters.bankfiles.identity import transaction_keys
from credere.adapters.bankfiles.values import Statement as ParsedStatement
from credere.audit.services import actor_name, record, record_many, snapshot
from credere.cashapp.models import (
    Adjustment,
    BankAccount,
    BankTransaction,
    CustomerBankAccount,
    MatchingPolicyVersion,
    MatchProposal,
    MatchRun,
    OnAccount,
    PayerAlias,
    PayerReference,
    ProposalLine,
    RemittanceAdvice,
    RemittanceLine,
    Statement,
    StatementFile,
)
from credere.cashapp.policies import PolicyError, policy_from_settings, policy_settings
from credere.core.errors import BusinessError, Conflict
from credere.domain import matching
from credere.domain.matching import MatchingPolicy, match_batch
from credere.domain.matching import reasons as R
from credere.domain.matching.engine import normalise_account
from credere.domain.matching.names import normalise_name
from credere.domain.matching.references import candidates
from credere.domain.matching.references import normalise as normalise_reference
from credere.domain.money import check_currency, quantize
from credere.identity.authz import authorize
from credere.ledger.models import Allocation, Company, Customer, OpenItem, Payment
from credere.ledger.services import allocations, fx

#: Statement files larger than this are refused.
MAX_STATEMENT_BYTES = 50 * 1024 * 1024
#: Proposals stored per transaction in a matching run.
STORE_CHUNK = 500
MANUAL = R.MANUAL
REMITTANCE_ADVICE = R.REMITTANCE_ADVICE


def _field_error(field_name: str, message: str, *, code: str = "invalid", status: int | None = None) -> BusinessError:
    return BusinessError(f"{field_name}: {message}", code=code, status=status,
                         fields=[{"field": field_name, "message": message}])


# --------------------------------------------------------------------------- the policy


def current_policy_version(*, at: dt.datetime | None = None) -> MatchingPolicyVersion:
    """The policy in force (the built-in defaults become version 1 the first time)."""
    at = at or timezone.now()
    version = MatchingPolicyVersion.objects.filter(effective_from__lte=at).order_by("-version").first()
    if version is not None:
        return version
    with transaction.atomic():
        version, created = MatchingPolicyVersion.objects.get_or_create(
            version=1, defaults={"settings": policy_settings(MatchingPolicy()), "effective_from": at,
                                 "created_by": "system", "note": "Built-in defaults"})
        if created:
            record(actor=None, action="matching_policy.created", obj=version, after=version.settings,
                   reason="built-in defaults")
    return version


def policy_of(version: MatchingPolicyVersion) -> MatchingPolicy:
    return policy_from_settings(version.settings)


def set_policy(*, actor: Any, settings: dict[str, Any], note: str = "",
               effective_from: dt.datetime | None = None) -> MatchingPolicyVersion:
    """A new version of the matching policy; ``settings`` may name only the settings that change."""
    authorize(actor, "edit_matching_policy")
    if effective_from is not None:
        if timezone.is_naive(effective_from):
            effective_from = timezone.make_aware(effective_from)
        if effective_from < timezone.now() - dt.timedelta(minutes=5):
            raise _field_error("effective_from", "a policy cannot take effect in the past (runs already made "
                                                 "used the version then in force)")
    current = current_policy_version()
    merged = {**current.settings, **settings}
    try:
        policy = policy_from_settings(merged)
    except PolicyError as exc:
        raise BusinessError("the policy was not changed: " + str(exc), code="invalid_policy",
                            fields=[{"field": k, "message": v} for k, v in exc.problems.items()]) from None
    new_settings = policy_settings(policy)
    if new_settings == current.settings:
        raise BusinessError("nothing to change: the settings equal the policy in force", code="unchanged")
    with transaction.atomic():
        last = MatchingPolicyVersion.objects.select_for_update().order_by("-version").first()
        number = (last.version if last else 0) + 1
        version = MatchingPolicyVersion.objects.create(
            version=number, settings=new_settings, effective_from=effective_from or timezone.now(),
            created_by=actor_name(actor), note=note[:300])
        before = {k: v for k, v in current.settings.items() if new_settings.get(k) != v}
        after = {k: new_settings[k] for k in before}
        record(actor=actor, action="matching_policy.changed", obj=version, before=before, after=after, reason=note)
    return version


# --------------------------------------------------------------------------- statements in


@dataclass
class ImportResult:
    file: StatementFile
    statements: int
    new: int
    known: int
    payments: list[int] = field(default_factory=list)
    run: MatchRun | None = None


def parse_file(data: bytes, *, filename: str = "", csv_mapping: dict[str, Any] | None = None) -> list[ParsedStatement]:
    """The statements in a file, or a :class:`BusinessError` naming the line or element."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise _field_error("file", f"the file is {len(data):,} bytes; the limit is {MAX_STATEMENT_BYTES:,}")
    mapping = None
    if csv_mapping:
        try:
            mapping = CsvMapping.from_dict(csv_mapping)
        except (TypeError, ValueError, KeyError) as exc:
            raise _field_error("csv_mapping", f"not a valid CSV mapping: {exc}") from None
    try:
        if mapping is None and detect_format(data, filename) == "csv":
            for saved in BankAccount.objects.filter(csv_mapping__isnull=False).values_list("csv_mapping", flat=True):
                if not isinstance(saved, dict):
                    continue
                try:
                    return parse_statements(data, filename=filename, csv_mapping=CsvMapping.from_dict(saved))
                except (StatementError, TypeError, ValueError, KeyError):
                    continue  # not this bank's layout
        return parse_statements(data, filename=filename, csv_mapping=mapping)
    except StatementError as exc:
        raise BusinessError(f"{filename or 'the file'} was not imported: {exc}", code="bad_statement",
                            fields=[{"field": "file", "message": str(exc)}]) from None


def _bank_account(statement: ParsedStatement, company: Company | None, actor: Any) -> BankAccount:
    number = normalise_account(statement.account)
    account = BankAccount.objects.select_related("company").filter(account=number).first()
    if account is not None:
        if company is not None and account.company_id != company.pk:
            raise _field_error("company", f"bank account {number} belongs to company {account.company.code}, "
                                          f"not {company.code}")
        return account
    if company is None:
        companies = list(Company.objects.all()[:2])
        if len(companies) != 1:
            raise _field_error("company", f"bank account {number} is not yet known: say which company it "
                                          "belongs to (it is remembered for later files)", code="unknown_account")
        company = companies[0]
    account = BankAccount.objects.create(company=company, account=number, currency=statement.currency)
    record(actor=actor, action="bank_account.created", obj=account, after=snapshot(account),
           reason="first statement for this account")
    return account


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A bank's timestamp without an offset is taken in the site's time zone."""
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment)


def _payment_text(tx: Any) -> str:
    parts = [tx.remittance, *tx.references]
    if tx.end_to_end_id:
        parts.append(tx.end_to_end_id)
    parts += [line.document_number for line in tx.remittance_lines]
    return " ".join(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


def import_statement(*, actor: Any, data: bytes, filename: str = "", company: Company | None = None,
                     csv_mapping: dict[str, Any] | None = None, match: bool = True,
                     background: bool = True) -> ImportResult:
    """Import a statement file: every transaction not seen before is kept, incoming money becomes
    a ledger payment, and a matching run for those payments follows (as a background task when
    ``background``, else at once). The same file twice adds nothing; a bad file writes nothing."""
    authorize(actor, "import_statements")
    statements = parse_file(data, filename=filename, csv_mapping=csv_mapping)
    fmt = statements[0].format if len(statements) else ""
    with transaction.atomic():
        accounts = [_bank_account(st, company, actor) for st in statements]
        stored = StatementFile.objects.create(
            filename=filename[:255], sha256=hashlib.sha256(data).hexdigest(), format=fmt, size=len(data),
            content=data, uploaded_by=actor if getattr(actor, "pk", None) else None, statements=len(statements))
        keyed = [list(zip(transaction_keys(st), st.transactions, strict=True)) for st in statements]
        all_keys = [k for pairs in keyed for k, _ in pairs]
        known = set(BankTransaction.objects.filter(key__in=all_keys).values_list("key", flat=True))
        new = 0
        payments: list[Payment] = []
        events: list[dict[str, Any]] = []
        for st, account, pairs in zip(statements, accounts, keyed, strict=True):
            row = Statement.objects.create(
                file=stored, bank_account=account, statement_id=st.statement_id[:100], format=st.format,
                kind=st.kind, currency=st.currency, created=_aware(st.created), from_date=st.from_date, to_date=st.to_date,
                opening_balance=st.opening_balance, closing_balance=st.closing_balance)
            for key, tx in pairs:
                if key in known:
                    continue
                known.add(key)
                new += 1
                payment = None
                if tx.amount > 0:
                    # no customer yet: a learned account is evidence for matching, not a decision (a
                    # payment service may pay for several customers); the first allocation sets it
                    payment = Payment.objects.create(
                        company=account.company, reference=f"BT-{key[:24]}",
                        received_on=tx.value_date or tx.booking_date, currency=check_currency(tx.currency),
                        amount=tx.amount, unapplied_amount=tx.amount, payer_name=tx.counterparty_name[:200],
                        payer_account=tx.counterparty_account[:60], reference_text=_payment_text(tx))
                    payments.append(payment)
                    events.append({"action": "payment.created", "object_type": "ledger.payment",
                                   "object_id": payment.pk, "object_repr": str(payment),
                                   "after": snapshot(payment), "reason": f"bank statement {filename}"})
                BankTransaction.objects.create(
                    key=key, statement=row, bank_account=account, booking_date=tx.booking_date,
                    value_date=tx.value_date, amount=tx.amount, currency=tx.currency,
                    counterparty_name=tx.counterparty_name[:200], counterparty_account=tx.counterparty_account[:60],
                    remittance=tx.remittance, references=list(tx.references), bank_reference=tx.bank_reference[:100],
                    end_to_end_id=tx.end_to_end_id[:100], type_code=tx.type_code[:60], raw=tx.raw, payment=payment)
                if payment is not None and tx.remittance_lines:
                    advice = RemittanceAdvice.objects.create(
                        source=RemittanceAdvice.Source.STATEMENT, payment=payment, company=account.company,
                        payer_name=tx.counterparty_name[:200], payment_reference=tx.end_to_end_id[:100],
                        payment_date=tx.booking_date, currency=tx.currency, amount=tx.amount, filename=filename[:255])
                    RemittanceLine.objects.bulk_create([
                        RemittanceLine(advice=advice, document_number=line.document_number[:60],
                                       amount=line.amount, deduction=line.deduction, note=line.note[:200])
                        for line in tx.remittance_lines])
        stored.transactions_new = new
        stored.transactions_known = len(all_keys) - new
        stored.save(update_fields=["transactions_new", "transactions_known"])
        _link_waiting_advices(payments)
        record_many(actor=actor, events=events)
        record(actor=actor, action="statement.imported", obj=stored,
               after={"filename": filename, "format": fmt, "statements": len(statements), "new": new,
                      "known": stored.transactions_known, "payments": len(payments)})
    result = ImportResult(stored, len(statements), new, stored.transactions_known, [p.pk for p in payments])
    if match and payments:
        if background:
            from credere.cashapp.tasks import match_payments

            transaction.on_commit(lambda: match_payments.enqueue(
                payment_ids=result.payments, actor=actor_name(actor), statement_file_id=stored.pk))
        else:
            result.run = run_matching(actor=actor, payment_ids=result.payments, trigger="import",
                                      statement_file=stored)
    return result


# --------------------------------------------------------------------------- remittance advices


@dataclass
class RemittanceResult:
    advices: int
    lines: int
    linked: int


def import_remittances(*, actor: Any, data: bytes, filename: str, company: Company) -> RemittanceResult:
    """Remittance advices from a customer's file; rows sharing a payment reference (or payer and
    date) form one advice, linked to its payment now or when the payment arrives."""
    authorize(actor, "import_statements")
    from credere.cashapp import files

    try:
        rows = files.read_remittances(data, filename)
    except files.InputError as exc:
        raise BusinessError(f"{filename} was not imported:\n" + "\n".join(exc.problems), code="bad_file",
                            fields=[{"field": "file", "message": p} for p in exc.problems]) from None
    groups: dict[tuple[str, str, Any], list[files.RemittanceRow]] = {}
    for row in rows:
        key = (row.payment_reference, "" if row.payment_reference else row.payer_name,
               None if row.payment_reference else row.payment_date)
        groups.setdefault(key, []).append(row)
    linked = 0
    with transaction.atomic():
        for (reference, payer, _date), group in groups.items():
            first = group[0]
            payment = find_payment_for_advice(company, reference, first.amount, first.currency, first.payment_date)
            advice = RemittanceAdvice.objects.create(
                source=RemittanceAdvice.Source.FILE, payment=payment, company=company,
                payer_name=payer or first.payer_name, payment_reference=reference[:100],
                payment_date=first.payment_date, currency=first.currency, amount=first.amount,
                filename=filename[:255], row=first.row)
            RemittanceLine.objects.bulk_create([
                RemittanceLine(advice=advice, document_number=r.document_number[:60], amount=r.paid_amount,
                               deduction=r.deduction, note=r.note[:200]) for r in group])
            linked += payment is not None
        record(actor=actor, action="remittances.imported", object_type="cashapp.remittanceadvice",
               object_id=filename[:100], object_repr=filename[:300],
               after={"filename": filename, "advices": len(groups), "lines": len(rows), "linked": linked})
    return RemittanceResult(len(groups), len(rows), linked)


def save_csv_mapping(*, actor: Any, bank_account: BankAccount, mapping: dict[str, Any]) -> BankAccount:
    """Remember the CSV column mapping of a bank's exports, for the next files of this account."""
    authorize(actor, "edit_mappings")
    try:
        clean = CsvMapping.from_dict(mapping).to_dict()
    except (TypeError, ValueError, KeyError) as exc:
        raise _field_error("csv_mapping", f"not a valid CSV mapping: {exc}") from None
    with transaction.atomic():
        before = {"csv_mapping": bank_account.csv_mapping}
        bank_account.csv_mapping = clean
        bank_account.save(update_fields=["csv_mapping"])
        record(actor=actor, action="bank_account.mapping_saved", obj=bank_account, before=before,
               after={"csv_mapping": clean})
    return bank_account


def _link_waiting_advices(payments: Sequence[Payment]) -> None:
    """Advices imported before their payment arrived are linked by the payment's references."""
    waiting = RemittanceAdvice.objects.filter(payment__isnull=True, source=RemittanceAdvice.Source.FILE)
    if not payments or not waiting.exists():
        return
    for advice in waiting:
        found = find_payment_for_advice(advice.company, advice.payment_reference, advice.amount,
                                        advice.currency, advice.payment_date, among=payments)
        if found is not None:
            advice.payment = found
            advice.save(update_fields=["payment"])


def find_payment_for_advice(company: Company, reference: str, amount: Decimal | None, currency: str,
                            date: dt.date | None, among: Sequence[Payment] | None = None) -> Payment | None:
    """The payment an advice describes: by bank or end-to-end reference, else by one amount on one date."""
    qs = Payment.objects.filter(company=company)
    if among is not None:
        qs = qs.filter(pk__in=[p.pk for p in among])
    ref = reference.strip()
    if ref:
        hit = list(qs.filter(Q(reference=ref) | Q(bank_transaction__bank_reference=ref)
                             | Q(bank_transaction__end_to_end_id=ref))[:2])
        if len(hit) == 1:
            return hit[0]
    if amount is not None and currency and date is not None:
        near = list(qs.filter(amount=amount, currency=currency, received_on__gte=date - dt.timedelta(days=5),
                              received_on__lte=date + dt.timedelta(days=5))[:2])
        if len(near) == 1:
            return near[0]
    return None


# --------------------------------------------------------------------------- matching runs


def _known_accounts() -> dict[str, str]:
    return dict(CustomerBankAccount.objects.filter(shared=False).values_list("account", "customer__account_number"))


def _known_names() -> dict[str, str]:
    return dict(PayerAlias.objects.values_list("name", "customer__account_number"))


def _known_references() -> dict[str, str]:
    return dict(PayerReference.objects.filter(customer__isnull=False).values_list(
        "key", "customer__account_number"))


def _domain_items(company_id: int, currencies: set[str]) -> tuple[list[matching.OpenItem], dict[str, int]]:
    """Open items of a company as the engine sees them; also account number -> customer id."""
    rows = (OpenItem.objects.filter(company_id=company_id).exclude(open_amount=0)
            .values_list("pk", "customer_id", "customer__account_number", "customer__name", "document_type",
                         "document_number", "order_reference", "billing_reference", "customer_reference",
                         "currency", "open_amount", "document_date", "due_date",
                         "customer__payment_terms__discount_rate", "customer__payment_terms__discount_days"))
    items: list[matching.OpenItem] = []
    customers: dict[str, int] = {}
    for (pk, cid, acct, name, kind, number, order_ref, billing_ref, cust_ref, ccy, open_amount, doc_date, due,
         rate, days) in rows.iterator(chunk_size=5000):
        customers[acct] = cid
        currencies.add(ccy)
        items.append(matching.OpenItem(
            str(pk), acct, name, number, ccy, abs(open_amount), doc_date, due,
            references=tuple(r for r in (order_ref, billing_ref, cust_ref) if r),
            discount_rate=rate or Decimal(0), discount_days=days or 0,
            is_credit=kind == OpenItem.Type.CREDIT_NOTE))
    return items, customers


def _advice_text(payment_ids: Iterable[int]) -> dict[int, str]:
    out: dict[int, list[str]] = {}
    for pid, number in RemittanceLine.objects.filter(advice__payment_id__in=list(payment_ids)).values_list(
            "advice__payment_id", "document_number"):
        out.setdefault(pid, []).append(number)
    return {k: " ".join(v) for k, v in out.items()}


def open_payments() -> Any:
    """Payments with money not yet applied and not kept on account: the workbench queue."""
    kept = OnAccount.objects.filter(released_at__isnull=True).values("payment_id")
    return Payment.objects.filter(unapplied_amount__gt=0).exclude(pk__in=kept)


def run_matching(*, actor: Any, payment_ids: Sequence[int] | None = None, company: Company | None = None,
                 trigger: str = "manual", statement_file: StatementFile | None = None,
                 applied_on: dt.date | None = None) -> MatchRun:
    """Match unapplied payments to open items; apply what the policy allows, suggest the rest."""
    authorize(actor, "import_statements")
    version = current_policy_version()
    policy = policy_of(version)
    run = MatchRun.objects.create(trigger=trigger, actor=actor_name(actor), policy=version,
                                  statement_file=statement_file)
    qs = open_payments()
    if payment_ids is not None:
        qs = qs.filter(pk__in=list(payment_ids))
    if company is not None:
        qs = qs.filter(company=company)
    payments = list(qs.order_by("received_on", "id"))
    try:
        stats = _match(actor, run, payments, policy, applied_on)
    except Exception as exc:
        MatchRun.objects.filter(pk=run.pk).update(status=MatchRun.Status.FAILED, error=str(exc)[:2000],
                                                  finished_at=timezone.now())
        raise
    run.payments = len(payments)
    run.applied, run.suggested, run.unmatched = stats
    run.status = MatchRun.Status.DONE
    run.finished_at = timezone.now()
    run.save()
    with transaction.atomic():
        record(actor=actor, action="matching.run", obj=run,
               after={"payments": run.payments, "applied": run.applied, "suggested": run.suggested,
                      "unmatched": run.unmatched, "policy_version": version.version, "trigger": trigger})
    return run


def _match(actor: Any, run: MatchRun, payments: list[Payment], policy: MatchingPolicy,
           applied_on: dt.date | None) -> tuple[int, int, int]:
    applied = suggested = unmatched = 0
    by_company: dict[int, list[Payment]] = {}
    for p in payments:
        by_company.setdefault(p.company_id, []).append(p)
    accounts = _known_accounts()
    known_accounts = {a: (c, shared) for a, c, shared in
                      CustomerBankAccount.objects.values_list("account", "customer_id", "shared")}
    names = _known_names()
    payer_refs = _known_references()
    texts = _advice_text(p.pk for p in payments)
    for company_id, group in by_company.items():
        currencies = {p.currency for p in group}
        items, customers = _domain_items(company_id, currencies)
        rates = fx.rate_table(currencies=currencies)
        domain_payments = [matching.Payment(
            str(p.pk), p.payer_name, p.payer_account,
            f"{p.reference_text} {texts[p.pk]}" if p.pk in texts else p.reference_text,
            p.unapplied_amount, p.currency, p.received_on) for p in group]
        kwargs: dict[str, Any] = {"rates": rates, "known_accounts": accounts, "known_names": names,
                                  "known_references": payer_refs}
        by_advice, items = _advice_proposals(group, items, policy)
        rest = [p for p in domain_payments if p.payment_id not in by_advice]
        proposals = [*by_advice.values(), *match_batch(items, rest, policy, **kwargs)]
        by_id = {str(p.pk): p for p in group}
        owner = {item.item_id: item.customer_account for item in items}
        owner.update({link.item_id: proposal.customer_account for proposal in by_advice.values()
                      for link in proposal.links})
        for start in range(0, len(proposals), STORE_CHUNK):
            chunk = proposals[start:start + STORE_CHUNK]
            rows = _store_proposals(run, [(by_id[p.payment_id], p) for p in chunk], customers)
            for proposal, row in zip(chunk, rows, strict=True):
                payment = by_id[proposal.payment_id]
                if row.status == MatchProposal.Status.UNMATCHED:
                    unmatched += 1
                elif proposal.auto_apply and _try_apply(actor, row, applied_on or payment.received_on,
                                                        MatchProposal.Status.APPLIED):
                    applied += 1
                    owners = {owner.get(link.item_id, "") for link in proposal.links}
                    if len(owners) == 1 and (customer_id := customers.get(owners.pop())) is not None:
                        _learn_account(actor, payment, customer_id, known_accounts)
                else:
                    suggested += 1
    return applied, suggested, unmatched


def _advice_proposals(payments: Sequence[Payment], items: list[matching.OpenItem],
                      policy: MatchingPolicy) -> tuple[dict[str, matching.Proposal], list[matching.OpenItem]]:
    """Proposals for payments whose remittance advice names open items and adds up to the payment
    (the payer's own split, deductions included); the items the engine sees lose what they take."""
    advised: dict[int, list[tuple[str, Decimal | None, Decimal | None]]] = {}
    for pid, number, amount, deduction in RemittanceLine.objects.filter(
            advice__payment_id__in=[p.pk for p in payments]).order_by("id").values_list(
            "advice__payment_id", "document_number", "amount", "deduction"):
        advised.setdefault(pid, []).append((number, amount, deduction))
    if not advised:
        return {}, items
    by_number: dict[str, matching.OpenItem | None] = {}
    for item in items:
        if item.is_credit:
            continue
        by_number[item.document_number] = None if item.document_number in by_number else item
    remaining = {item.item_id: item.amount for item in items}
    confidence = (Decimal(1) - (1 - policy.weight_reference_exact) * (1 - policy.weight_amount_exact)).quantize(
        Decimal("0.0001"))
    out: dict[str, matching.Proposal] = {}
    for payment in payments:
        lines = advised.get(payment.pk)
        if not lines or payment.unapplied_amount != payment.amount:
            continue
        links: list[matching.Link] = []
        taken: dict[str, Decimal] = {}
        for number, stated, deduction in lines:
            target = by_number.get(number)
            if target is None or target.currency != payment.currency:
                break
            short = deduction or Decimal(0)
            paid = stated if stated is not None else remaining[target.item_id] - short
            if paid <= 0 or paid + short + taken.get(target.item_id, Decimal(0)) > remaining[target.item_id]:
                break
            taken[target.item_id] = taken.get(target.item_id, Decimal(0)) + paid + short
            links.append(matching.Link(target.item_id, paid, paid, Decimal(0), short))
        else:
            if sum((ln.amount for ln in links), Decimal(0)) != payment.amount:
                continue
            for item_id, amount in taken.items():
                remaining[item_id] -= amount
            owners = {by_number[number].customer_account for number, _stated, _deduction in lines}  # type: ignore[union-attr]
            reasons = (REMITTANCE_ADVICE, R.REFERENCE_EXACT, R.AMOUNT_EXACT,
                       *((R.DEDUCTION,) if any(ln.deduction for ln in links) else ()))
            out[str(payment.pk)] = matching.Proposal(
                str(payment.pk), tuple(links), confidence, reasons,
                auto_apply=confidence >= policy.auto_apply_confidence and len(owners) == 1,
                customer_account=next(iter(owners)) if len(owners) == 1 else "", unapplied=Decimal(0))
    if not out:
        return out, items
    return out, [dataclasses.replace(i, amount=remaining[i.item_id]) if remaining[i.item_id] != i.amount else i
                 for i in items if remaining[i.item_id] > 0]


def _supersede_open(payment: Payment) -> None:
    """A newer proposal or a clerk's decision replaces the payment's open suggestion."""
    MatchProposal.objects.filter(payment=payment, status__in=[MatchProposal.Status.SUGGESTED,
                                                              MatchProposal.Status.UNMATCHED]).update(
        status=MatchProposal.Status.SUPERSEDED)


def _store_proposals(run: MatchRun, pairs: Sequence[tuple[Payment, matching.Proposal]],
                     customers: dict[str, int]) -> list[MatchProposal]:
    """Store a chunk of proposals at once: each replaces its payment's open suggestion."""
    with transaction.atomic():
        MatchProposal.objects.filter(payment__in=[payment for payment, _p in pairs], status__in=[
            MatchProposal.Status.SUGGESTED, MatchProposal.Status.UNMATCHED]).update(
            status=MatchProposal.Status.SUPERSEDED)
        rows = MatchProposal.objects.bulk_create([MatchProposal(
            run=run, payment=payment,
            status=MatchProposal.Status.SUGGESTED if proposal.links else MatchProposal.Status.UNMATCHED,
            confidence=proposal.confidence, reasons=list(proposal.reasons),
            customer_id=customers.get(proposal.customer_account), unapplied=proposal.unapplied)
            for payment, proposal in pairs])
        ProposalLine.objects.bulk_create([
            ProposalLine(proposal=row, item_id=int(link.item_id), amount=link.amount,
                         payment_amount=link.payment_amount, discount=link.discount, deduction=link.deduction)
            for row, (_payment, proposal) in zip(rows, pairs, strict=True)
            for link in sorted(proposal.links, key=lambda ln: int(ln.item_id))])
    return rows


def _try_apply(actor: Any, proposal: MatchProposal, applied_on: dt.date, status: str) -> bool:
    """Apply a stored proposal in one transaction; a conflict (money or item already taken by
    someone else meanwhile) leaves nothing applied and the proposal suggested, with the reason."""
    try:
        _apply(actor, proposal, applied_on, status)
    except BusinessError as exc:
        gone = not Payment.objects.filter(pk=proposal.payment_id, unapplied_amount__gt=0).exists()
        # money another run (or a clerk) applied meanwhile: this proposal has nothing left to do
        update: dict[str, Any] = {"note": f"not applied: {exc}"[:300]}
        if gone:
            update["status"] = MatchProposal.Status.SUPERSEDED
        MatchProposal.objects.filter(pk=proposal.pk, status=MatchProposal.Status.SUGGESTED).update(**update)
        return False
    return True


def _apply(actor: Any, proposal: MatchProposal, applied_on: dt.date, status: str) -> None:
    lines = list(proposal.lines.select_related("item"))
    reasons = set(proposal.reasons)
    note = f"cash matching, proposal {proposal.pk}"
    with transaction.atomic():
        # the ledger's lock order: items by id, then the payment (then the audit chain head, taken last)
        list(OpenItem.objects.select_for_update(no_key=True).filter(pk__in=sorted({ln.item_id for ln in lines}))
             .order_by("pk").values_list("pk", flat=True))
        payment = Payment.objects.select_for_update(no_key=True).get(pk=proposal.payment_id)
        current = MatchProposal.objects.select_for_update(no_key=True).get(pk=proposal.pk)
        if current.status not in (MatchProposal.Status.SUGGESTED, MatchProposal.Status.UNMATCHED):
            raise Conflict(f"proposal {proposal.pk} is already {current.get_status_display().lower()}",
                           code="proposal_decided")
        if OnAccount.objects.filter(payment=payment, released_at__isnull=True).exists():
            raise Conflict(f"{payment} is kept on account; release it first", code="on_account")
        credits = [ln for ln in lines if ln.item.document_type == OpenItem.Type.CREDIT_NOTE]
        targets = [ln for ln in lines if ln.item.document_type != OpenItem.Type.CREDIT_NOTE]
        covered: dict[int, Decimal] = {}
        for credit_line in credits:  # net credit notes against the invoices first, oldest invoice first
            left = -credit_line.amount
            for line in sorted(targets, key=lambda ln: (ln.item.due_date, ln.item_id)):
                if left <= 0:
                    break
                if line.item.currency != credit_line.item.currency:
                    continue
                take = min(left, line.amount - covered.get(line.pk, Decimal(0)))
                if take <= 0:
                    continue
                alloc = allocations.allocate(actor=actor, target_id=line.item_id, credit_note_id=credit_line.item_id,
                                        amount=take, applied_on=applied_on, note=note)
                credit_line.allocations.add(alloc)
                line.allocations.add(alloc)
                covered[line.pk] = covered.get(line.pk, Decimal(0)) + take
                left -= take
            if left > 0:
                raise Conflict(f"credit note {credit_line.item.document_number} cannot be netted in full",
                               code="credit_not_netted")
        for line in targets:
            cash = line.amount - covered.get(line.pk, Decimal(0))
            if cash > 0:
                source = None
                if payment.currency != line.item.currency and not covered.get(line.pk):
                    source = line.payment_amount
                alloc = allocations.allocate(actor=actor, target_id=line.item_id, payment_id=payment.pk, amount=cash,
                                        source_amount=source, applied_on=applied_on, note=note)
                line.allocations.add(alloc)
            for kind, amount in _adjustments(line, reasons):
                Adjustment.objects.create(item_id=line.item_id, payment=payment, proposal=proposal, kind=kind,
                                          amount=amount, currency=line.item.currency,
                                          created_by=actor_name(actor))
        before = {"status": current.status}
        current.status = status
        current.decided_by = actor_name(actor)
        current.save(update_fields=["status", "decided_by", "updated_at"])
        record(actor=actor, action=f"match.{status}", obj=current, before=before,
               after={"status": status, "payment": payment.pk, "confidence": current.confidence,
                      "reasons": current.reasons,
                      "lines": [{"item": ln.item_id, "amount": ln.amount} for ln in lines]})
    proposal.status = status


def _adjustments(line: ProposalLine, reasons: set[str]) -> list[tuple[str, Decimal]]:
    out: list[tuple[str, Decimal]] = []
    if line.discount > 0:
        out.append((Adjustment.Kind.DISCOUNT, line.discount))
    if line.deduction > 0:
        kind = Adjustment.Kind.BANK_CHARGES if R.BANK_CHARGES in reasons else Adjustment.Kind.DEDUCTION
        out.append((kind, line.deduction))
    return out


# --------------------------------------------------------------------------- learning


def _learn_account(actor: Any, payment: Payment, customer_id: int,
                   known: dict[str, tuple[int, bool]]) -> None:
    """After an automatic match: learn the payer's account unless it is known already (``known``,
    read once per run and kept up to date here, spares a query per payment)."""
    account = normalise_account(payment.payer_account)
    seen = known.get(account) if account else None
    if not account or (seen is not None and (seen[0] == customer_id or seen[1])):
        return  # known for this customer, or already shared
    learn_payer(actor=actor, payment=payment, customer_id=customer_id, names=False)
    row = CustomerBankAccount.objects.filter(account=account).values_list("customer_id", "shared").first()
    if row is not None:
        known[account] = row


def learn_payer(*, actor: Any, payment: Payment, customer_id: int, names: bool = True,
                items: Sequence[OpenItem] = ()) -> None:
    """Remember the payer's bank account (and, after a clerk's decision, the name the bank wrote
    and the references naming the payer) for ``customer_id``, so that the next payments from them
    are recognised. ``items``: the items the payment was matched to (their references are documents,
    not the payer's)."""
    with transaction.atomic():
        account = normalise_account(payment.payer_account)
        known = CustomerBankAccount.objects.select_for_update().filter(account=account).first() if account else None
        if account and known is None:
            row = CustomerBankAccount.objects.create(customer_id=customer_id, account=account,
                                                     source=CustomerBankAccount.Source.LEARNED,
                                                     learned_from=payment, created_by=actor_name(actor))
            record(actor=actor, action="customer_bank_account.learned", obj=row, after=snapshot(row),
                   reason=f"payment {payment.reference}")
        elif known is not None and known.customer_id != customer_id and not known.shared:
            # one account paying for two customers (a parent, a payment service): evidence for neither
            before = snapshot(known)
            known.shared = True
            known.save(update_fields=["shared"])
            record(actor=actor, action="customer_bank_account.shared", obj=known, before=before,
                   after=snapshot(known), reason=f"payment {payment.reference} was for another customer")
        if not names or not payment.payer_name.strip():
            return
        policy = policy_of(current_policy_version())
        key = normalise_name(payment.payer_name, frozenset(policy.legal_forms), dict(policy.abbreviations))
        customer = Customer.objects.get(pk=customer_id)
        own = normalise_name(customer.name, frozenset(policy.legal_forms), dict(policy.abbreviations))
        if key and key != own and not PayerAlias.objects.filter(key=key).exists():
            alias = PayerAlias.objects.create(customer_id=customer_id, name=payment.payer_name[:200], key=key[:200],
                                              learned_from=payment, created_by=actor_name(actor))
            record(actor=actor, action="payer_alias.learned", obj=alias, after=snapshot(alias),
                   reason=f"payment {payment.reference}")
    _learn_references(actor, payment, customer_id, items, policy)


def _learn_references(actor: Any, payment: Payment, customer_id: int, items: Sequence[OpenItem],
                      policy: MatchingPolicy) -> None:
    """Remember references in the payment text that name the payer rather than a document."""
    size = policy.min_reference_length
    document_keys = {normalise_reference(ref, size) for item in items
                     for ref in (item.document_number, item.order_reference, item.billing_reference,
                                 item.customer_reference) if ref}
    for key in candidates(payment.reference_text or "", size):
        if not _names_the_payer(key, payment, document_keys):
            continue
        with transaction.atomic():
            row = PayerReference.objects.select_for_update().filter(key=key).first()
            if row is None:
                row = PayerReference.objects.create(customer_id=customer_id, key=key,
                                                    example=payment.reference_text[:300], learned_from=payment,
                                                    created_by=actor_name(actor))
                record(actor=actor, action="payer_reference.learned", obj=row, after=snapshot(row),
                       reason=f"payment {payment.reference}")
            elif row.customer_id not in (None, customer_id):
                before = snapshot(row)
                row.customer = None
                row.save(update_fields=["customer"])
                record(actor=actor, action="payer_reference.ambiguous", obj=row, before=before,
                       after=snapshot(row), reason=f"payment {payment.reference} names another customer")


def _is_date(key: str) -> bool:
    """YYYYMMDD, DDMMYYYY, YYMMDD or DDMMYY (years 1990-2099)."""
    if not key.isdigit() or len(key) not in (6, 8):
        return False
    year = 4 if len(key) == 8 else 2
    for y, m, d in ((key[:year], key[year:year + 2], key[year + 2:]), (key[-year:], key[2:4], key[:2])):
        full = int(y) + (2000 if year == 2 else 0)
        if 1990 <= full <= 2099 and 1 <= int(m) <= 12 and 1 <= int(d) <= 31:
            return True
    return False


def _names_the_payer(key: str, payment: Payment, document_keys: set[str]) -> bool:
    """A key that may name the payer: long enough, not a document, the amount or a date."""
    if len(key) < 5 or key in document_keys or not any(ch.isdigit() for ch in key):
        return False
    cents = f"{payment.amount:.2f}".replace(".", "")
    if key in (cents, cents.rstrip("0"), f"{payment.amount:.0f}") or _is_date(key):
        return False
    digits = key.lstrip("0")
    return not (digits and OpenItem.objects.filter(company_id=payment.company_id,
                                                   document_number__endswith=digits).exists())


def add_customer_bank_account(*, actor: Any, customer: Customer, account: str) -> CustomerBankAccount:
    authorize(actor, "edit_customers")
    number = normalise_account(account)
    if not number:
        raise _field_error("account", "give an IBAN or account number")
    if number[:2].isalpha() and number[2:4].isdigit():
        try:
            IBAN(number)
        except SchwiftyException as exc:
            raise _field_error("account", f"{number} is not a valid IBAN ({exc})") from None
    with transaction.atomic():
        existing = CustomerBankAccount.objects.select_related("customer").filter(account=number).first()
        if existing is not None:
            raise Conflict(f"account {number} is already known for {existing.customer.account_number}",
                           code="duplicate", fields=[{"field": "account", "message": "already known"}])
        row = CustomerBankAccount.objects.create(customer=customer, account=number,
                                                 source=CustomerBankAccount.Source.MANUAL,
                                                 created_by=actor_name(actor))
        record(actor=actor, action="customer_bank_account.created", obj=row, after=snapshot(row))
    return row


# --------------------------------------------------------------------------- clerks' decisions


def _payment(payment_id: int) -> Payment:
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise _field_error("payment_id", f"no payment with id {payment_id}", code="not_found", status=404)
    return payment


def accept_proposal(*, actor: Any, proposal_id: int, applied_on: dt.date | None = None) -> MatchProposal:
    """A clerk confirms a suggestion: it is applied, and the payer's account and name are learned."""
    authorize(actor, "allocate")
    proposal = MatchProposal.objects.filter(pk=proposal_id).select_related("payment").first()
    if proposal is None:
        raise _field_error("proposal_id", f"no proposal with id {proposal_id}", code="not_found", status=404)
    if not proposal.lines.exists():
        raise Conflict("this proposal has no items to apply", code="empty_proposal")
    _apply(actor, proposal, applied_on or timezone.localdate(), MatchProposal.Status.ACCEPTED)
    _learn_after_decision(actor, proposal)
    return proposal


def _learn_after_decision(actor: Any, proposal: MatchProposal) -> None:
    items = [line.item for line in proposal.lines.select_related("item")]
    customers = {item.customer_id for item in items}
    if len(customers) == 1:
        learn_payer(actor=actor, payment=proposal.payment, customer_id=customers.pop(), items=items)


@dataclass(frozen=True)
class ManualLine:
    item_id: int
    #: Applied to the item, in the item's currency (for a credit note: the credit used, positive).
    amount: Decimal
    #: Left open on the item and flagged as a deduction to resolve.
    deduction: Decimal = Decimal(0)


def manual_match(*, actor: Any, payment_id: int, lines: Sequence[ManualLine], note: str = "",
                 applied_on: dt.date | None = None) -> MatchProposal:
    """A clerk's own match (one or many items, split as they choose, deductions flagged); audited
    and undoable like an automatic one, and Credere learns the payer from it."""
    authorize(actor, "allocate")
    payment = _payment(payment_id)
    if not lines:
        raise _field_error("lines", "choose at least one item")
    items = {i.pk: i for i in OpenItem.objects.filter(pk__in=[ln.item_id for ln in lines])}
    rows: list[ProposalLine] = []
    total = Decimal(0)
    for n, ln in enumerate(lines, start=1):
        item = items.get(ln.item_id)
        if item is None:
            raise _field_error(f"lines[{n}].item_id", f"no open item with id {ln.item_id}", status=404)
        amount = quantize(Decimal(ln.amount), item.currency)
        deduction = quantize(Decimal(ln.deduction or 0), item.currency)
        if amount <= 0 or deduction < 0:
            raise _field_error(f"lines[{n}].amount", "give an amount greater than zero (and a deduction of zero "
                                                     "or more)")
        credit = item.document_type == OpenItem.Type.CREDIT_NOTE
        if not credit and amount + deduction > item.open_amount:
            raise _field_error(f"lines[{n}].amount", f"{amount} plus a deduction of {deduction} is more than the "
                                                     f"{item.open_amount} {item.currency} open on "
                                                     f"{item.document_number}")
        pay_amount = amount if item.currency == payment.currency else fx.convert(
            amount=amount, from_currency=item.currency, to_currency=payment.currency, on=payment.received_on)
        signed = -amount if credit else amount
        total += -pay_amount if credit else pay_amount
        rows.append(ProposalLine(item=item, amount=signed, payment_amount=-pay_amount if credit else pay_amount,
                                 deduction=deduction))
    if total > payment.unapplied_amount:
        raise _field_error("lines", f"the items take {total} {payment.currency} but only "
                                    f"{payment.unapplied_amount} {payment.currency} of the payment is unapplied")
    with transaction.atomic():
        _supersede_open(payment)
        customers = {items[ln.item_id].customer_id for ln in lines}
        proposal = MatchProposal.objects.create(
            payment=payment, status=MatchProposal.Status.SUGGESTED, confidence=Decimal(1),
            reasons=[MANUAL] + ([R.DEDUCTION] if any(ln.deduction for ln in lines) else []),
            customer_id=next(iter(customers)) if len(customers) == 1 else None,
            unapplied=payment.unapplied_amount - total, note=note[:300])
        for row in rows:
            row.proposal = proposal
            row.save()
        _apply(actor, proposal, applied_on or timezone.localdate(), MatchProposal.Status.MANUAL)
    _learn_after_decision(actor, proposal)
    return proposal


def undo_match(*, actor: Any, proposal_id: int, reason: str, on: dt.date | None = None) -> MatchProposal:
    """Reverse every allocation a match made (audited); the payment goes back to the workbench."""
    authorize(actor, "allocate")
    if not (reason or "").strip():
        raise _field_error("reason", "say why the match is undone")
    applied = (MatchProposal.Status.APPLIED, MatchProposal.Status.ACCEPTED, MatchProposal.Status.MANUAL)
    with transaction.atomic():
        proposal = MatchProposal.objects.select_for_update(no_key=True).filter(pk=proposal_id).first()
        if proposal is None:
            raise _field_error("proposal_id", f"no proposal with id {proposal_id}", code="not_found", status=404)
        if proposal.status not in applied:
            raise Conflict(f"proposal {proposal_id} is {proposal.get_status_display().lower()}, not applied",
                           code="not_applied")
        allocation_ids = sorted({a for line in proposal.lines.all()
                                 for a in line.allocations.values_list("pk", flat=True)})
        day = on or timezone.localdate()
        for allocation in Allocation.objects.filter(pk__in=allocation_ids, reversed_on__isnull=True):
            allocations.reverse_allocation(actor=actor, allocation_id=allocation.pk,
                                      reversed_on=max(day, allocation.applied_on), reason=reason)
        proposal.adjustments.filter(status=Adjustment.Status.OPEN).update(status=Adjustment.Status.CANCELLED)
        before = {"status": proposal.status}
        proposal.status = MatchProposal.Status.UNDONE
        proposal.decided_by = actor_name(actor)
        proposal.save(update_fields=["status", "decided_by", "updated_at"])
        record(actor=actor, action="match.undone", obj=proposal, before=before, after={"status": proposal.status},
               reason=reason)
    return proposal


def put_on_account(*, actor: Any, payment_id: int, customer: Customer, note: str = "") -> OnAccount:
    """Keep a payment's unapplied money on a customer's account (out of the workbench queue)."""
    authorize(actor, "allocate")
    with transaction.atomic():
        payment = Payment.objects.select_for_update(no_key=True).filter(pk=payment_id).first()
        if payment is None:
            raise _field_error("payment_id", f"no payment with id {payment_id}", code="not_found", status=404)
        if payment.unapplied_amount <= 0:
            raise Conflict(f"{payment} has nothing unapplied", code="nothing_unapplied")
        if payment.customer_id is not None and payment.customer_id != customer.pk:
            raise _field_error("customer", f"{payment} already belongs to another customer")
        if OnAccount.objects.filter(payment=payment, released_at__isnull=True).exists():
            raise Conflict(f"{payment} is already on account", code="on_account")
        if payment.customer_id is None:
            payment.customer = customer
            payment.save(update_fields=["customer"])
        _supersede_open(payment)
        row = OnAccount.objects.create(payment=payment, customer=customer, note=note[:300],
                                       created_by=actor_name(actor))
        record(actor=actor, action="payment.put_on_account", obj=payment,
               after={"customer": customer.account_number, "unapplied": payment.unapplied_amount}, reason=note)
    learn_payer(actor=actor, payment=payment, customer_id=customer.pk)
    return row


def release_on_account(*, actor: Any, payment_id: int, reason: str = "") -> OnAccount:
    authorize(actor, "allocate")
    with transaction.atomic():
        row = OnAccount.objects.select_for_update().filter(payment_id=payment_id, released_at__isnull=True).first()
        if row is None:
            raise Conflict(f"payment {payment_id} is not on account", code="not_on_account")
        row.released_at = timezone.now()
        row.released_by = actor_name(actor)
        row.save(update_fields=["released_at", "released_by"])
        record(actor=actor, action="payment.released_from_account", obj=row.payment, reason=reason)
    return row
