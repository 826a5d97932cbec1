"""Errors of a submitted form, each shown at its field.

A view collects what is wrong with :class:`FormErrors` — by field (``add("username", "is
required")``) or from a service's refusal (``add_error(exc)``: a
:class:`~credere.core.errors.BusinessError` names its fields). The template shows each message
under its field (``{% field_error errors "username" %}``, with ``{{ errors|invalid:"username" }}``
on the input for ``aria-invalid``), and the page's alert (``web/_errors.html``) shows only what
belongs to no field plus one line that sends the eye to the fields. The shell's script moves
the focus to the first field in error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from credere.core.errors import BusinessError


@dataclass
class FormErrors:
    #: field name -> its messages (in the order found)
    fields: dict[str, list[str]] = field(default_factory=dict)
    #: messages that belong to no field of the form
    general: list[str] = field(default_factory=list)
    #: the form's field names: a service's field not among them is shown in the alert
    known: frozenset[str] | None = None

    def add(self, name: str, message: str) -> None:
        if self.known is not None and name not in self.known:
            self.general.append(f"{name}: {message}")
        elif message not in self.fields.get(name, []):
            self.fields.setdefault(name, []).append(message)

    def add_general(self, message: str) -> None:
        if message not in self.general:
            self.general.append(message)

    def add_error(self, exc: BusinessError) -> None:
        """A service's refusal: each named field at its field; the message once, unless a field says it all."""
        named = [f for f in exc.fields or [] if f.get("field")]
        for f in named:
            self.add(str(f["field"]), str(f.get("message", "")))
        text = str(exc)
        if not named or not any(str(f.get("message", "")) and str(f.get("message", "")) in text for f in named):
            self.add_general(text)

    def of(self, name: str) -> list[str]:
        return self.fields.get(name, [])

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)

    def __iter__(self) -> Iterator[str]:
        """The page alert's lines: what belongs to no field, then a pointer to the fields."""
        yield from self.general
        count = len(self.fields)
        if count:
            yield f"Check the {'field' if count == 1 else f'{count} fields'} marked below."
