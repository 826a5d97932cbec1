"""What an import found and did, row by row, and the state one import carries while it writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError

from credere.core.errors import BusinessError, Conflict
from credere.imports.parsing import ParsedRow, RowError
from credere.imports.services.limits import FIELD_ALIASES
from credere.ledger.services.validation import Outcome

# --------------------------------------------------------------------------- results


@dataclass
class RowChange:
    """What an import did (or, in a preview, would do) to one record."""

    row: int
    key: str
    outcome: Outcome
    #: for updates: field -> {"before": ..., "after": ...} (JSON-safe; amounts as strings)
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "key": self.key, "outcome": self.outcome, "changes": self.changes}


@dataclass
class ImportResult:
    entity: str
    file_name: str
    sha256: str
    format: str
    encoding: str
    numbering: str
    preview: bool
    partial: bool
    mapping_name: str
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    #: "succeeded", "partial" (bad rows skipped), "rejected" (nothing written) or "preview"
    status: str = "succeeded"
    errors: list[RowError] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    run_id: int | None = None

    @property
    def written(self) -> bool:
        return not self.preview and self.status in ("succeeded", "partial")

    def summary(self) -> str:
        verb = "would be" if self.preview else ""
        counts = ", ".join(f"{n} {verb} {label}".replace("  ", " ") for n, label in (
            (self.created, "created"), (self.updated, "updated"), (self.unchanged, "unchanged"),
            (self.rejected, "rejected")))
        head = {"preview": "Preview (nothing written)", "succeeded": "Imported", "partial": "Partly imported",
                "rejected": "Rejected, nothing imported"}[self.status]
        return f"{head}: {self.total_rows} rows of {self.entity} from {self.file_name}: {counts}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "entity": self.entity, "file_name": self.file_name, "sha256": self.sha256,
            "format": self.format, "encoding": self.encoding, "numbering": self.numbering, "preview": self.preview,
            "partial": self.partial, "mapping": self.mapping_name, "status": self.status,
            "total_rows": self.total_rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "rejected": self.rejected,
            "errors": [e.as_dict() for e in self.errors], "changes": [c.as_dict() for c in self.changes],
            "warnings": list(self.warnings), "summary": self.summary(),
        }


@dataclass
class ImportContext:
    actor: Any
    reason: str
    header_of: dict[str, str]
    report_progress: Callable[[int], None]
    numbering: str = "row"
    #: every row of the file, including those that already failed to parse
    all_rows: list[ParsedRow] = field(default_factory=list)
    errors: dict[int, list[RowError]] = field(default_factory=dict)
    results: list[RowChange] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    advanced: int = 0
    #: a preview: work out every outcome, write nothing (see :class:`credere.core.import_entities.Sink`)
    preview: bool = False

    def fail(self, row: int, field_name: str, message: str) -> None:
        name = FIELD_ALIASES.get(field_name, field_name)
        column = self.header_of.get(name, "")
        self.errors.setdefault(row, []).append(RowError(row, column, name if column else field_name, message))

    def fail_exc(self, row: int, exc: Exception) -> None:
        if isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict"):
            for name, errs in exc.error_dict.items():
                self.fail(row, name, "; ".join(m for e in errs for m in e.messages))
            return
        fields = getattr(exc, "fields", None) or []
        if fields:
            # The services name one field; say the whole reason when it carries more (conflicts).
            message = fields[0].get("message", "") if isinstance(exc, BusinessError) and not isinstance(
                exc, Conflict) else str(exc)
            self.fail(row, fields[0].get("field", ""), message)
        else:
            messages = getattr(exc, "messages", None)
            self.fail(row, "", "; ".join(messages) if messages else str(exc))

    def advance(self, n: int = 1) -> None:
        self.advanced += n
        self.report_progress(n)

    def rejected(self, row: int) -> bool:
        return row in self.errors

    def done(self, row: int, key: str, outcome: Outcome, diff: dict[str, dict[str, Any]] | None = None) -> None:
        self.results.append(RowChange(row, key, outcome, diff or {}))


def actor_user(actor: Any) -> Any:
    """The signed-in user behind ``actor`` (None for the system or an anonymous actor)."""
    return actor if getattr(actor, "pk", None) is not None and getattr(actor, "is_authenticated", False) else None


#: Fields a preview does not list for a new record: Credere sets them, the file does not.
NOT_FROM_FILE = frozenset({"id", "created_at", "updated_at", "open_amount", "unapplied_amount"})


def created_values(after: dict[str, Any], names: dict[str, dict[Any, str]] | None = None) -> dict[str, dict[str, Any]]:
    """A new record's values as changes from nothing, so a preview shows what will be written
    (foreign keys by their codes: ``customer`` C1000, not ``customer_id`` 17)."""
    names = names or {}
    out: dict[str, dict[str, Any]] = {}
    for k, v in after.items():
        if k in NOT_FROM_FILE or v is None or v == "":
            continue
        label = names.get(k)
        out[k.removesuffix("_id") if label is not None else k] = {
            "before": None, "after": label.get(v, v) if label is not None else v}
    return out


def readable_changes(b: dict[str, Any] | None, a: dict[str, Any] | None,
              names: dict[str, dict[Any, str]] | None = None) -> dict[str, dict[str, Any]]:
    """Changed fields as {field: {before, after}}, with foreign keys shown by their codes."""
    names = names or {}
    out: dict[str, dict[str, Any]] = {}
    for k, after in (a or {}).items():
        before = (b or {}).get(k)
        label = names.get(k)
        if label is not None:
            out[k.removesuffix("_id")] = {"before": label.get(before, before), "after": label.get(after, after)}
        else:
            out[k] = {"before": before, "after": after}
    return out
