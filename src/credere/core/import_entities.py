"""What can be imported from a file: a registry that contexts fill, so that the import flow (the
``imports`` context: CLI, API, pages, header mappings) knows a kind of record without importing
the context that owns it.

``imports`` and ``credit`` are siblings (neither may import the other), so the registry lives
here, below both, like :mod:`credere.core.background`. Each context registers its entities in its
``AppConfig.ready()``: ``imports`` the ledger's records (customers, open items, payments, FX rates),
credit control its orders. An entity names its columns, the permission an import needs and the
function that writes the rows; the import flow reads the file, checks the columns and the cells
(:class:`Column`), and calls the writer in the import's transaction with a :class:`Sink` and the rows
whose cells were read without error. A preview calls the same writer outside any transaction with
:attr:`Sink.preview` set: the writer reports what it would do and writes nothing.

A writer follows the rules of every import: it checks each row with the owning context's rules,
names a bad row's column and reason (:meth:`Sink.fail`), reports every good row as created,
updated or unchanged (:meth:`Sink.done`), queues its audit events on :attr:`Sink.events` (written
with ``audit.services.record_many`` after it returns), and asks for work after the commit with
``transaction.on_commit`` — never during a preview.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, overload

Kind = Literal["text", "code", "choice", "date", "decimal"]
Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class Column:
    """One column of an import file: how a cell is read (text, code, choice, date, decimal),
    whether it is required, its maximum length, and what it means (docs/file-formats.md)."""

    name: str
    kind: Kind
    required: bool
    description: str
    example: str
    max_length: int | None = None
    #: Exported for information and accepted (but not used) on import.
    read_only: bool = False
    #: For a choice column: the values it takes (offered for translation on the mapping page).
    values: tuple[str, ...] = ()


class Row(Protocol):
    """A row whose cells were read: ``values`` maps a column name to text, a date, a Decimal or
    None (an empty optional cell); only the columns the file has are present."""

    number: int
    values: dict[str, Any]


class Sink(Protocol):
    """What a writer reports to (the import's context)."""

    actor: Any
    #: "import run 12: orders.csv" (or "import preview: ..."): the reason of every audit event
    reason: str
    #: audit events (``record_many`` dicts) written after the writer returns
    events: list[dict[str, Any]]
    #: True in a preview: the writer works out and reports every outcome but writes nothing (a preview
    #: runs outside any transaction, so that it holds no write lock; a write there is refused)
    preview: bool

    def fail(self, row: int, field_name: str, message: str) -> None: ...

    def fail_exc(self, row: int, exc: Exception) -> None: ...

    def rejected(self, row: int) -> bool: ...

    def done(self, row: int, key: str, outcome: Outcome, diff: dict[str, dict[str, Any]] | None = None) -> None: ...

    def advance(self, n: int = 1) -> None: ...


#: ``writer(sink, rows)``: the sink is the import's :class:`Sink`, the rows :class:`Row` objects.
Writer = Callable[[Any, list[Any]], None]
#: ``rows(company)``: the export's rows in the column order (company: a ledger Company or None).
Exporter = Callable[[Any], Iterable[list[Any]]]


@dataclass(frozen=True)
class Entity:
    name: str
    label: str
    #: the permission an import of this entity needs (the writer's rules may check more)
    permission: str
    columns: tuple[Column, ...]
    writer: Writer
    #: True when the writer changes the ledger (the import then tells ``ledger.changes``' listeners)
    changes_ledger: bool = False
    #: rows for ``credere export`` and the export API, in the columns' order (None: not exported here)
    export: Exporter | None = None


_ENTITIES: dict[str, Entity] = {}


def register(entity: Entity) -> None:
    """Add (or, registering the same name again, replace) an importable entity."""
    names = [c.name for c in entity.columns]
    if len(set(names)) != len(names):
        raise ValueError(f"{entity.name}: a column is listed twice")
    _ENTITIES[entity.name] = entity


def get(name: str) -> Entity | None:
    return _ENTITIES.get(name)


def all_entities() -> list[Entity]:
    """In the order they were registered (the ledger's first: contexts are installed after it)."""
    return list(_ENTITIES.values())


def names() -> list[str]:
    return list(_ENTITIES)


def choices() -> list[tuple[str, str]]:
    """``(name, label)`` pairs: the choices of a model field that names an entity."""
    return [(e.name, e.label) for e in _ENTITIES.values()]


class Names(Sequence[str]):
    """The entity names as a live sequence (``x in NAMES``, argparse ``choices=NAMES``)."""

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return names()[index]

    def __len__(self) -> int:
        return len(_ENTITIES)

    def __contains__(self, value: object) -> bool:
        return value in _ENTITIES

    def __repr__(self) -> str:
        return repr(tuple(_ENTITIES))


class View[T](Mapping[str, T]):
    """One attribute of every entity, as a live mapping by name (``PERMISSION["orders"]``)."""

    def __init__(self, pick: Callable[[Entity], T]) -> None:
        self._pick = pick

    def __getitem__(self, name: str) -> T:
        return self._pick(_ENTITIES[name])

    def __iter__(self) -> Iterator[str]:
        return iter(list(_ENTITIES))

    def __len__(self) -> int:
        return len(_ENTITIES)

    def __repr__(self) -> str:
        return repr(dict(self.items()))
