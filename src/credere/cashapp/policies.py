"""The matching policy as stored data: settings (JSON) <-> the domain's ``MatchingPolicy``."""

from __future__ import annotations

import dataclasses
from decimal import Decimal, InvalidOperation
from typing import Any

from credere.domain.matching import MatchingPolicy
from credere.domain.money import check_currency


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
