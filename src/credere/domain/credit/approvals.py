"""Who may approve what: an approval matrix of authority by amount and risk class, and four eyes.

The same routing serves every request that needs an approver — a credit limit change now,
a credit application with onboarding — so it knows nothing of limits: a request is an amount
in the matrix's currency, a risk class, who asked and who decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Authority:
    """A role may approve up to ``max_amount`` (None: without a ceiling), for the ``risk_classes`` named
    (empty: every class)."""

    role: str
    max_amount: Decimal | None
    risk_classes: frozenset[str] = frozenset()

    def covers(self, amount: Decimal, risk_class: str) -> bool:
        within = self.max_amount is None or amount <= self.max_amount
        return within and (not self.risk_classes or risk_class in self.risk_classes)


@dataclass(frozen=True, slots=True)
class ApprovalMatrix:
    currency: str
    #: from the lowest authority to the highest
    authorities: tuple[Authority, ...]

    def __post_init__(self) -> None:
        if not self.authorities:
            raise ValueError("an approval matrix needs at least one authority")


@dataclass(frozen=True, slots=True)
class Route:
    """Who must decide: the lowest authority that covers the request, and every role that may."""

    required: Authority | None
    roles: tuple[str, ...]

    @property
    def text(self) -> str:
        if self.required is None:
            return "No authority in the approval matrix covers this request"
        return f"Needs {_a(self.required.role)}" + (
            f" (up to {self.required.max_amount})" if self.required.max_amount is not None else " (no ceiling)")


def _a(role: str) -> str:
    words = role.replace("_", " ")
    return f"{'an' if words[:1] in 'aeiou' else 'a'} {words}"


def route(matrix: ApprovalMatrix, amount: Decimal, risk_class: str) -> Route:
    """The authority a request of ``amount`` (in the matrix's currency) for ``risk_class`` needs."""
    covering = [a for a in matrix.authorities if a.covers(amount, risk_class)]
    return Route(covering[0] if covering else None, tuple(dict.fromkeys(a.role for a in covering)))


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: str


def may_decide(matrix: ApprovalMatrix, *, amount: Decimal, risk_class: str, requester: str, decider: str,
               decider_roles: Iterable[str], escalated: bool = False) -> Verdict:
    """Four eyes and authority: the requester never decides; the decider holds a covering role, or,
    once the request is ``escalated`` (waiting past its SLA), the next authority up from the one it needs."""
    if decider == requester:
        return Verdict(False, "four eyes: the person who asked cannot decide their own request")
    held = set(decider_roles)
    r = route(matrix, amount, risk_class)
    if r.required is None:
        return Verdict(False, r.text)
    up = escalation_role(matrix, amount, risk_class) if escalated else None
    if up is not None and up in held and up not in r.roles:
        return Verdict(True, f"escalated past its SLA to {_a(up)}")
    if not held.intersection(r.roles):
        return Verdict(False, f"{r.text}; {decider} holds no role with that authority")
    return Verdict(True, f"within the authority of {_a(sorted(held.intersection(r.roles))[0])}")


def escalated(age_hours: Decimal, sla_hours: Decimal) -> bool:
    """A request waiting longer than its SLA is escalated (shown to the next authority up)."""
    return age_hours > sla_hours


def escalation_role(matrix: ApprovalMatrix, amount: Decimal, risk_class: str) -> str | None:
    """The next authority up from the one a request needs: the first other role after it in the
    matrix (None when it needs the highest, or when no authority covers it)."""
    required = route(matrix, amount, risk_class).required
    if required is None:
        return None
    after = matrix.authorities[matrix.authorities.index(required) + 1:]
    return next((a.role for a in after if a.role != required.role), None)


def waiting_text(age_hours: Decimal, sla_hours: Decimal | None) -> str:
    """How long a request has waited, in words, and whether that is over its SLA:
    "waiting 3 days, over the 48-hour SLA"."""
    hours = int(age_hours)
    days = hours // 24
    waited = (f"waiting {days} day{'s' if days != 1 else ''}" if days
              else f"waiting {hours} hour{'s' if hours != 1 else ''}")
    if sla_hours is not None and escalated(age_hours, sla_hours):
        return f"{waited}, over the {sla_hours}-hour SLA"
    return waited


def authorities_from(rows: Sequence[tuple[str, Decimal | None, Iterable[str]]]) -> tuple[Authority, ...]:
    return tuple(Authority(role, amount, frozenset(classes)) for role, amount, classes in rows)
