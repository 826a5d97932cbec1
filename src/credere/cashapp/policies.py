"""The matching policy as stored data: settings (JSON) <-> the domain's ``MatchingPolicy``, and
the reads of the stored versions (the one in force, the history). Nothing here writes: while no
version is stored, the built-in defaults are in force as version 1."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from credere.cashapp.models import MatchingPolicyVersion
from credere.domain.matching import MatchingPolicy
from credere.domain.matching.policy import setting_label
from credere.domain.money import check_currency
from credere.web import formatting


class PolicyError(ValueError):
    """Settings that do not make a policy; ``problems`` maps each setting to what is wrong."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


SETTINGS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(MatchingPolicy))


def setting_value(key: str, current: Any, value: Any) -> Any:
    """``value`` (from JSON or a form) as the type of the default ``current``; raise ``ValueError``."""
    if isinstance(current, bool):
        if isinstance(value, str) and value.lower() in ("true", "false", "on", "off", "1", "0", "yes", "no"):
            return value.lower() in ("true", "on", "1", "yes")
        if not isinstance(value, bool):
            raise ValueError("give true or false")
        return value
    if isinstance(current, Decimal):
        return _number(value)
    if isinstance(current, int):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("give a whole number")
        return value
    if isinstance(current, str):
        return check_currency(str(value))
    if key == "abbreviations":
        if isinstance(value, list):
            return tuple((str(k).lower(), str(v).lower()) for k, v in value)
        if not isinstance(value, dict):
            raise ValueError('give an object {"intl": "international"}')
        return tuple((str(k).lower(), str(v).lower()) for k, v in value.items())
    if isinstance(value, str):
        value = [w for w in value.replace(",", " ").split() if w]
    if not isinstance(value, list | tuple):
        raise ValueError("give a list of words")
    return tuple(str(v).lower() for v in value)


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ValueError("give a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"'{value}' is not a number") from None
    if not number.is_finite():
        raise ValueError("give a finite number")
    return number


def policy_from_settings(data: dict[str, Any]) -> MatchingPolicy:
    """A policy from stored or submitted settings; missing settings take the built-in defaults."""
    defaults = MatchingPolicy()
    kwargs: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for key, value in data.items():
        if key not in SETTINGS:
            problems[key] = f"not a policy setting (settings: {', '.join(SETTINGS)})"
            continue
        try:
            kwargs[key] = setting_value(key, getattr(defaults, key), value)
        except (ValueError, ArithmeticError) as exc:
            problems[key] = str(exc)
    if problems:
        raise PolicyError(problems)
    try:
        return MatchingPolicy(**kwargs)
    except ValueError as exc:
        text = str(exc)
        field = next((k for k in SETTINGS if text.startswith(k)), "settings")
        raise PolicyError({field: text}) from None


def policy_settings(policy: MatchingPolicy) -> dict[str, Any]:
    """JSON-safe settings of ``policy`` (numbers as strings, so nothing is rounded)."""
    out: dict[str, Any] = {}
    for key in SETTINGS:
        value = getattr(policy, key)
        if isinstance(value, Decimal):
            out[key] = str(value)
        elif key == "abbreviations":
            out[key] = {k: v for k, v in value}
        elif isinstance(value, tuple):
            out[key] = list(value)
        else:
            out[key] = value
    return out


# --------------------------------------------------------------------------- the stored versions


@dataclass(frozen=True)
class PolicyInForce:
    version: MatchingPolicyVersion | None
    settings: dict[str, Any]

    @property
    def number(self) -> int:
        return self.version.version if self.version is not None else 1

    def matching_policy(self) -> MatchingPolicy:
        return policy_from_settings(self.settings)


def policy_in_force(*, at: dt.datetime | None = None) -> PolicyInForce:
    """The version in force, or the built-in defaults while no version is recorded yet."""
    version = (MatchingPolicyVersion.objects.filter(effective_from__lte=at or timezone.now())
               .order_by("-version").first())
    if version is None:
        return PolicyInForce(None, policy_settings(MatchingPolicy()))
    return PolicyInForce(version, dict(version.settings))


@dataclass(frozen=True)
class PolicyChange:
    key: str
    before: Any
    after: Any

    @property
    def label(self) -> str:
        return setting_label(self.key)

    @property
    def before_text(self) -> str:
        return shown_setting(self.key, self.before)

    @property
    def after_text(self) -> str:
        return shown_setting(self.key, self.after)


#: Settings that are a confidence: pages show and take them in percent, as everywhere a person reads one.
PERCENT_SETTINGS = frozenset({"auto_apply_confidence"})


def shown_setting(key: str, value: Any) -> str:
    """A stored setting as a person reads it (a confidence in percent)."""
    if key in PERCENT_SETTINGS:
        try:
            return formatting.confidence(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return str(value)
    return str(value)


def policy_history() -> list[tuple[MatchingPolicyVersion, list[PolicyChange]]]:
    """Every version, newest first, with what changed from the version before it."""
    versions = list(MatchingPolicyVersion.objects.order_by("version"))
    out: list[tuple[MatchingPolicyVersion, list[PolicyChange]]] = []
    previous: dict[str, Any] | None = None
    for v in versions:
        changes: list[PolicyChange] = []
        if previous is not None:
            for key in dict.fromkeys([*previous, *v.settings]):
                if previous.get(key) != v.settings.get(key):
                    changes.append(PolicyChange(key, previous.get(key), v.settings.get(key)))
        out.append((v, changes))
        previous = dict(v.settings)
    out.reverse()
    return out
