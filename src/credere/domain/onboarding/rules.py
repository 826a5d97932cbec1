"""Decision rules: small expressions over an application's facts, checked when saved, evaluated safely.

A rule is ``{"name", "when", "outcome", "reason"}``: ``when`` is an expression such as
``score >= 65 and years_in_business >= 2`` or ``country in ["RU", "BY"]``; ``outcome`` is ``approve``,
``refer`` or ``decline``. Every rule whose condition holds counts, and the strictest outcome wins
(decline over refer over approve); when none holds the application is referred. A possible sanctions
match always refers, whatever the rules say (:func:`decide`).

The language: numbers, strings in quotes, ``true``/``false``/``null``, lists ``[…]``, the facts by name,
comparisons (``< <= > >= == !=``), ``in`` / ``not in``, ``and`` / ``or`` / ``not``, ``+ - * /`` and
parentheses. Nothing else: no calls, no attributes, no indexing — an expression can read facts, never
run code. Parsed with Python's own parser and checked node by node against that list.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

OUTCOMES = ("approve", "refer", "decline")
STRICTNESS = {"approve": 0, "refer": 1, "decline": 2}
MAX_LENGTH = 500


class RuleError(ValueError):
    """A rule that cannot be saved or evaluated; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Compare, ast.Lt,
            ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.BinOp, ast.Add, ast.Sub, ast.Mult,
            ast.Div, ast.Name, ast.Load, ast.Constant, ast.List, ast.Tuple)
#: the words for constants (Python's own spellings are accepted too)
_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None, "True": True, "False": False,
                              "None": None}


def compile_rule(when: str, known: Sequence[str]) -> ast.Expression:
    """The parsed condition; :class:`RuleError` says what is not allowed or which fact is unknown."""
    text = (when or "").strip()
    if not text:
        raise RuleError("when", "write a condition, e.g. score >= 65")
    if len(text) > MAX_LENGTH:
        raise RuleError("when", f"at most {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.replace("\n", " "), mode="eval")
    except SyntaxError as exc:
        raise RuleError("when", f"cannot read it near character {exc.offset or 0}: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise RuleError("when", f"'{ast.unparse(node) if isinstance(node, ast.expr) else type(node).__name__}' "
                                    "is not allowed: use facts, numbers, strings, lists, comparisons, and/or/not")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, str, bool, type(None))):
            raise RuleError("when", f"'{node.value!r}' is not allowed")
        if isinstance(node, ast.Name) and node.id not in known and node.id not in _CONSTANTS:
            close = [k for k in known if k.startswith(node.id[:3])][:3]
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise RuleError("when", f"'{node.id}' is not a fact of an application{hint}")
    return tree


def _value(node: ast.AST, facts: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _value(node.body, facts)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, float):
            return Decimal(repr(node.value))
        return node.value
    if isinstance(node, ast.Name):
        return _CONSTANTS[node.id] if node.id in _CONSTANTS else facts.get(node.id)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_value(e, facts) for e in node.elts]
    if isinstance(node, ast.BoolOp):
        values = (_value(v, facts) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp):
        operand = _value(node.operand, facts)
        if isinstance(node.op, ast.Not):
            return not operand
        return None if operand is None else -_number(operand)
    if isinstance(node, ast.BinOp):
        return _arithmetic(node, facts)
    if isinstance(node, ast.Compare):
        left = _value(node.left, facts)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _value(comparator, facts)
            if not _compare(op, left, right):
                return False
            left = right
        return True
    raise RuleError("when", f"'{type(node).__name__}' is not allowed")


def _arithmetic(node: ast.BinOp, facts: Mapping[str, Any]) -> Decimal | None:
    """``+ - * /`` on numbers; an unknown fact (or a division by zero) makes the result unknown."""
    left, right = _value(node.left, facts), _value(node.right, facts)
    if left is None or right is None:
        return None
    a, b = _number(left), _number(right)
    if isinstance(node.op, ast.Add):
        return a + b
    if isinstance(node.op, ast.Sub):
        return a - b
    if isinstance(node.op, ast.Mult):
        return a * b
    return None if b == 0 else a / b


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        return Decimal(int(value))
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise RuleError("when", f"'{value}' is not a number") from None


def _compare(op: ast.cmpop, left: Any, right: Any) -> bool:
    if isinstance(op, ast.In):
        return isinstance(right, list) and left in right
    if isinstance(op, ast.NotIn):
        return isinstance(right, list) and left not in right
    if isinstance(op, (ast.Eq, ast.NotEq)):
        same = (_number(left) == _number(right) if _numeric(left) and _numeric(right) else left == right)
        return same if isinstance(op, ast.Eq) else not same
    if left is None or right is None:
        return False  # an unknown fact never satisfies an ordering: the rule does not hold
    if _numeric(left) and _numeric(right):
        a, b = _number(left), _number(right)
    elif isinstance(left, str) and isinstance(right, str):
        a, b = left, right  # type: ignore[assignment]
    else:
        return False
    if isinstance(op, ast.Lt):
        return a < b
    if isinstance(op, ast.LtE):
        return a <= b
    if isinstance(op, ast.Gt):
        return a > b
    return a >= b


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    when: str
    outcome: str
    reason: str


def check_rules(raw: Any, known: Sequence[str]) -> list[Rule]:
    """Rules from stored JSON, each checked; :class:`RuleError` names the rule (``rules[2].when``)."""
    if not isinstance(raw, list):
        raise RuleError("rules", "give a list of rules")
    rules = []
    for n, item in enumerate(raw):
        where = f"rules[{n}]"
        if not isinstance(item, dict):
            raise RuleError(where, "each rule has a name, a condition (when), an outcome and a reason")
        name = str(item.get("name", "")).strip()
        if not name:
            raise RuleError(f"{where}.name", "give the rule a name")
        if item.get("outcome") not in OUTCOMES:
            raise RuleError(f"{where}.outcome", f"one of {', '.join(OUTCOMES)}")
        reason = str(item.get("reason", "")).strip()
        if not reason:
            raise RuleError(f"{where}.reason", "say in words why (the applicant's file shows it)")
        try:
            compile_rule(str(item.get("when", "")), known)
        except RuleError as exc:
            raise RuleError(f"{where}.when", exc.message) from None
        rules.append(Rule(name=name[:100], when=str(item["when"]).strip(), outcome=str(item["outcome"]),
                          reason=reason[:300]))
    return rules


@dataclass(frozen=True, slots=True)
class Fired:
    rule: str
    outcome: str
    reason: str


@dataclass(frozen=True, slots=True)
class Outcome:
    outcome: str
    fired: tuple[Fired, ...]
    reasons: tuple[str, ...]


def decide(rules: Sequence[Rule], facts: Mapping[str, Any], *, known: Sequence[str]) -> Outcome:
    """The strictest outcome of the rules that hold; refer when none holds or a sanctions match is open."""
    fired = []
    for rule in rules:
        if _value(compile_rule(rule.when, known), facts):
            fired.append(Fired(rule.name, rule.outcome, rule.reason))
    if fired:
        outcome = max((f.outcome for f in fired), key=lambda o: STRICTNESS[o])
        reasons = [f.reason for f in fired if f.outcome == outcome]
    else:
        outcome, reasons = "refer", ["No rule decides this application: a person does"]
    if facts.get("sanctions_hits") and outcome != "refer":
        outcome = "refer"
        reasons = ["A possible sanctions match must be cleared by a person", *reasons]
    return Outcome(outcome=outcome, fired=tuple(fired), reasons=tuple(reasons))
