"""Alerts: conditions that need a person's attention, raised once while they last.

* :func:`keep` / :func:`keep_all` raise an alert for a condition that holds (or note that it still
  holds), :func:`clear_missing` marks ``cleared`` the alerts of conditions that no longer hold. Any
  context raises its alerts through them (collections will); the condition key says which condition
  it is, so that the same condition is never raised twice until it clears.
* :func:`run` evaluates credit control's rules (:mod:`credere.domain.credit.alerts`) for some
  customers or everyone, in bulk: after each refresh of the standings (ledger changes, imports,
  statements) and daily.
* :func:`acknowledge`, :func:`assign`, :func:`resolve` — a person acts on an alert, with a note.
* :func:`set_owner` — who looks after a customer (their alerts reach that person's inbox).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from credere.audit.services import actor_name, record, record_many
from credere.core.errors import BusinessError, Conflict
from credere.credit.models import Alert, AlertNote, CustomerOwner
from credere.credit.policy import alert_thresholds, policy_in_force
from credere.credit.services import alert_facts
from credere.domain.credit.alerts import HIGH, KINDS, RANK, SEVERITIES, Condition, conditions
from credere.identity.authz import authorize, can
from credere.ledger import changes
from credere.ledger.models import Customer

#: the kinds credit control's run evaluates (and may clear); other contexts clear their own
CREDIT_KINDS: tuple[str, ...] = tuple(KINDS)
ACTIVE = (Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED)
_CHUNK = 500


@dataclass(frozen=True)
class RunResult:
    raised: int
    still_true: int
    cleared: int
    customers: int | None
    seconds: float


def _field(name: str, message: str) -> BusinessError:
    return BusinessError(f"{name}: {message}", fields=[{"field": name, "message": message}])


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i:i + _CHUNK]


def _live(*, kinds: Iterable[str], customer_ids: set[int] | None = None,
          keys: Sequence[str] | None = None) -> dict[str, tuple[int, str, str, dict[str, Any]]]:
    """Alerts whose condition has not cleared: key -> (id, severity, title, facts)."""
    qs = Alert.objects.filter(kind__in=list(kinds), cleared_at__isnull=True)
    fields = ("condition_key", "pk", "severity", "title", "facts")
    out: dict[str, tuple[int, str, str, dict[str, Any]]] = {}
    if keys is not None:
        for part in _chunks(list(keys)):
            out.update({k: (pk, s, t, f) for k, pk, s, t, f in qs.filter(condition_key__in=part).values_list(*fields)})
    elif customer_ids is not None:
        for part in _chunks(sorted(customer_ids)):
            out.update({k: (pk, s, t, f) for k, pk, s, t, f in qs.filter(customer_id__in=part).values_list(*fields)})
    else:
        out = {k: (pk, s, t, f) for k, pk, s, t, f in qs.values_list(*fields)}
    return out


def _check(c: Condition) -> None:
    problems = []
    if not c.key or len(c.key) > 120:
        problems.append({"field": "condition_key", "message": "give a key of 1 to 120 characters"})
    if not c.kind or len(c.kind) > 30:
        problems.append({"field": "kind", "message": "give a kind of 1 to 30 characters"})
    if c.severity not in SEVERITIES:
        problems.append({"field": "severity", "message": f"choose one of {', '.join(SEVERITIES)}"})
    if not c.title.strip():
        problems.append({"field": "title", "message": "say what the condition is"})
    if problems:
        raise BusinessError("; ".join(f"{p['field']}: {p['message']}" for p in problems), fields=problems)


def _lock(live: dict[str, tuple[int, str, str, dict[str, Any]]]) -> None:
    """Lock the live alerts a write will touch, in id order: two runs over overlapping customers then
    wait for each other instead of each holding a row the other needs (a deadlock on PostgreSQL)."""
    for part in _chunks(sorted(v[0] for v in live.values())):
        list(Alert.objects.select_for_update().filter(pk__in=part).order_by("pk").values_list("pk", flat=True))


def _apply(conds: Sequence[Condition], live: dict[str, tuple[int, str, str, dict[str, Any]]], now: dt.datetime,
           events: list[dict[str, Any]]) -> tuple[int, list[int]]:
    """Raise what is new, refresh the words of what changed; returns (raised, ids still open). The audit
    events go to ``events``: the caller writes them last, so the audit chain's head is the last lock
    its transaction takes (two runs at once never wait for each other in opposite order)."""
    new, changed, still = [], [], []
    for c in conds:
        found = live.get(c.key)
        if found is None:
            new.append(Alert(condition_key=c.key, kind=c.kind, customer_id=c.customer, severity=c.severity,
                             severity_rank=RANK[c.severity], title=c.title[:400], facts=dict(c.facts),
                             raised_at=now, last_seen_at=now))
            continue
        pk, severity, title, facts = found
        still.append(pk)
        if (severity, title, facts) != (c.severity, c.title[:400], dict(c.facts)):
            changed.append(Alert(pk=pk, severity=c.severity, severity_rank=RANK[c.severity], title=c.title[:400],
                                 facts=dict(c.facts)))
    new.sort(key=lambda a: a.condition_key)  # one order for every run (the key is unique while open)
    changed.sort(key=lambda a: a.pk)
    Alert.objects.bulk_create(new, batch_size=_CHUNK)
    if changed:
        Alert.objects.bulk_update(changed, ["severity", "severity_rank", "title", "facts"], batch_size=_CHUNK)
    events += [{"action": "alert.raised", "object_type": "credit.alert", "object_id": a.pk, "object_repr": a.title,
                "after": {"condition_key": a.condition_key, "kind": a.kind, "customer": a.customer_id,
                          "severity": a.severity}} for a in new]
    return len(new), still


def _clear(ids: Sequence[int], now: dt.datetime, events: list[dict[str, Any]]) -> int:
    for part in _chunks(list(ids)):
        Alert.objects.filter(pk__in=part, status__in=ACTIVE).update(status=Alert.Status.CLEARED, cleared_at=now)
        Alert.objects.filter(pk__in=part, cleared_at__isnull=True).update(cleared_at=now)  # resolved ones
    events += [{"action": "alert.cleared", "object_type": "credit.alert", "object_id": pk,
                "reason": "the condition no longer holds"} for pk in ids]
    return len(ids)


def keep_all(conds: Sequence[Condition], *, actor: Any = None) -> tuple[int, int]:
    """The conditions hold: raise an alert for each new one, note that the others still hold.
    Returns (raised, still open)."""
    for c in conds:
        _check(c)
    now = timezone.now()
    events: list[dict[str, Any]] = []
    with transaction.atomic():
        _lock(_live(kinds={c.kind for c in conds}, keys=[c.key for c in conds]))
        live = _live(kinds={c.kind for c in conds}, keys=[c.key for c in conds])  # as it is once locked
        raised, still = _apply(conds, live, now, events)
        for part in _chunks(still):
            Alert.objects.filter(pk__in=part).update(last_seen_at=now)
        record_many(actor=actor, events=events)
    return raised, len(still)


def keep(*, condition_key: str, kind: str, customer: Customer, severity: str, title: str,
         facts: dict[str, str] | None = None, actor: Any = None) -> Alert:
    """One condition holds: its alert (raised now, or the one raised before and not cleared since)."""
    keep_all([Condition(condition_key, kind, customer.pk, severity, title, facts or {})], actor=actor)
    return Alert.objects.get(condition_key=condition_key, cleared_at__isnull=True)


def clear_missing(*, kinds: Iterable[str], present_keys: set[str], customer_ids: set[int] | None = None,
                  actor: Any = None) -> int:
    """Of the alerts of these kinds (for these customers, or everyone's), clear those whose condition is
    not among ``present_keys``."""
    kinds = list(kinds)
    events: list[dict[str, Any]] = []
    with transaction.atomic():
        _lock(_live(kinds=kinds, customer_ids=customer_ids))
        live = _live(kinds=kinds, customer_ids=customer_ids)  # as it is once locked
        cleared = _clear([v[0] for k, v in live.items() if k not in present_keys], timezone.now(), events)
        record_many(actor=actor, events=events)
    return cleared


def payment_returned(event: changes.PaymentReturned) -> None:
    """The bank sent a customer's payment back (cash application reversed it): a high alert for whoever follows
    the customer, once per return."""
    customer = Customer.objects.filter(pk=event.customer_id).first()
    if customer is None:
        return
    keep(condition_key=event.key, kind="payment_returned", customer=customer, severity=HIGH,
         title=f"Payment {event.label} of {event.amount} {event.currency} returned by the bank on "
               f"{event.returned_on.isoformat()} — {event.reason}; the invoices it paid are open again",
         facts={"payment": event.label, "amount": f"{event.amount} {event.currency}",
                "returned_on": event.returned_on.isoformat(), "reason": event.reason})


def run(customer_ids: Iterable[int] | None = None, *, as_of: dt.date | None = None, actor: Any = None) -> RunResult:
    """Evaluate credit control's alert rules for the customers (and their groups' tops), or everyone:
    raise what is new, keep what still holds, clear what stopped. Running it twice raises nothing new."""
    started = timezone.now()
    as_of = as_of or timezone.localdate()
    policy = policy_in_force()
    thresholds = alert_thresholds(policy)
    sc = alert_facts.scope(customer_ids)
    facts = alert_facts.gather(sc, thresholds, as_of=as_of, now=started, currency=policy.currency)
    conds = [c for f in facts for c in conditions(f, thresholds, as_of)]
    for attempt in (1, 2):
        try:
            events: list[dict[str, Any]] = []
            with transaction.atomic():
                _lock(_live(kinds=CREDIT_KINDS, customer_ids=sc.ids))
                live = _live(kinds=CREDIT_KINDS, customer_ids=sc.ids)  # as it is once locked
                present = {c.key for c in conds}
                raised, still = _apply(conds, live, started, events)
                cleared = _clear([v[0] for k, v in live.items() if k not in present], started, events)
                qs = Alert.objects.filter(kind__in=CREDIT_KINDS, cleared_at__isnull=True, last_seen_at__lt=started)
                if sc.ids is None:
                    qs.update(last_seen_at=started)
                else:
                    for part in _chunks(still):
                        qs.filter(pk__in=part).update(last_seen_at=started)
                record_many(actor=actor, events=events)  # last: see _apply
            break
        except IntegrityError:  # another run raised the same condition meanwhile: read again
            if attempt == 2:
                raise
    return RunResult(raised, len(still), cleared, None if sc.ids is None else len(sc.ids),
                     (timezone.now() - started).total_seconds())


# --------------------------------------------------------------------------- a person acts


def _note(note: str) -> str:
    text = (note or "").strip()
    if not text:
        raise _field("note", "say what you did or why (kept with the alert)")
    if len(text) > 1000:
        raise _field("note", "keep the note under 1,000 characters")
    return text


def user_named(name: Any, field: str = "assigned_to") -> Any:
    """An active user who may see credit control, by user name (or the user itself)."""
    User = get_user_model()
    user = name if isinstance(name, User) else User.objects.filter(username=str(name or "").strip()).first()
    if user is None or not user.is_active:
        raise _field(field, f"no active user '{name}'" if name else "choose a person")
    if not can(user, "view_credit"):
        raise _field(field, f"{user.get_username()} may not see credit control")
    return user


def _act(actor: Any, alert_id: int, note: str, action: str) -> tuple[Alert, str]:
    authorize(actor, "request_limits")
    text = _note(note)
    alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None:
        raise BusinessError(f"no alert {alert_id}", code="not_found", status=404)
    if not alert.is_active:
        raise Conflict(f"the alert is {alert.get_status_display().lower()}; there is nothing to {action}",
                       code="alert_closed")
    return alert, text


def _done(actor: Any, alert: Alert, action: str, text: str, before: dict[str, Any], fields: list[str]) -> Alert:
    alert.save(update_fields=fields)
    AlertNote.objects.create(alert=alert, author=actor, action=action, text=text, at=timezone.now())
    record(actor=actor, action=f"alert.{action}", obj=alert, before=before,
           after={f: getattr(alert, f"{f}_id" if f in ("assigned_to", "resolved_by") else f) for f in fields},
           reason=text)
    return alert


def acknowledge(*, actor: Any, alert_id: int, note: str) -> Alert:
    """Someone has seen the alert and is on it."""
    with transaction.atomic():
        alert, text = _act(actor, alert_id, note, "acknowledge")
        if alert.status == Alert.Status.ACKNOWLEDGED:
            raise Conflict("the alert is acknowledged already", code="acknowledged")
        before = {"status": alert.status}
        alert.status = Alert.Status.ACKNOWLEDGED
        return _done(actor, alert, AlertNote.Action.ACKNOWLEDGED, text, before, ["status"])


def assign(*, actor: Any, alert_id: int, to: Any, note: str) -> Alert:
    """Give the alert to a person (who may see credit control): it reaches their inbox."""
    with transaction.atomic():
        alert, text = _act(actor, alert_id, note, "assign")
        user = user_named(to)
        before = {"assigned_to": alert.assigned_to_id}
        alert.assigned_to = user
        return _done(actor, alert, AlertNote.Action.ASSIGNED, f"to {user.get_username()}: {text}", before,
                     ["assigned_to"])


def resolve(*, actor: Any, alert_id: int, note: str) -> Alert:
    """Done with: it leaves the inbox. While its condition still holds it is not raised again."""
    with transaction.atomic():
        alert, text = _act(actor, alert_id, note, "resolve")
        before = {"status": alert.status}
        alert.status, alert.resolved_by, alert.resolved_at = Alert.Status.RESOLVED, actor, timezone.now()
        return _done(actor, alert, AlertNote.Action.RESOLVED, text, before, ["status", "resolved_by", "resolved_at"])


def set_owner(*, actor: Any, customer: Customer, owner: Any) -> CustomerOwner | None:
    """Who looks after the customer (``owner`` None: nobody). Audited."""
    authorize(actor, "request_limits")
    user = user_named(owner, "owner") if owner not in (None, "") else None
    with transaction.atomic():
        row = CustomerOwner.objects.select_for_update().filter(customer=customer).first()
        before = {"owner": row.owner.get_username()} if row is not None else {"owner": None}
        if user is None:
            if row is not None:
                row.delete()
            result = None
        else:
            row, _ = CustomerOwner.objects.update_or_create(
                customer=customer, defaults={"owner": user, "set_by": actor_name(actor), "set_at": timezone.now()})
            result = row
        record(actor=actor, action="customer.owner_set", obj=customer, before=before,
               after={"owner": user.get_username() if user is not None else None})
    return result
