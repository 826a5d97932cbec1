"""One table component for every list in the web application: the same look, sorting,
pagination, empty state and CSV/XLSX export everywhere.

A view describes its columns once; the same description renders the HTML table (values
formatted for the user's locale) and the export (exact ``Decimal`` amounts, real dates).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict

from credere.adapters import tables
from credere.domain.money import quantize
from credere.identity.authz import authorize, can
from credere.web import formatting

Kind = Literal["text", "code", "money", "number", "int", "date", "datetime", "pct", "days", "badge", "due"]
EXPORT_FORMATS = ("csv", "xlsx")
_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
NUMERIC: frozenset[str] = frozenset({"money", "number", "int", "pct", "days"})

#: Column priority: 1 = primary (amounts, status: always on screen, and on a phone's card),
#: 2 = normal (hidden when a narrow box has no room; on a phone's card), 3 = detail (codes,
#: currencies, notes: shown when there is room, never on a phone's card). Exports keep all.
PRIMARY, NORMAL, DETAIL = 1, 2, 3
DEFAULT_PRIORITY: Mapping[str, int] = {
    "money": PRIMARY, "badge": PRIMARY, "due": PRIMARY,
    "text": NORMAL, "date": NORMAL, "datetime": NORMAL, "number": NORMAL, "int": NORMAL, "pct": NORMAL,
    "days": NORMAL, "code": DETAIL,
}
#: What a column needs at least, in CSS pixels with its padding (text wraps, so less than its length).
_WIDTH: Mapping[str, int] = {
    "money": 124, "badge": 104, "due": 132, "text": 150, "date": 110, "datetime": 170, "number": 96, "int": 72,
    "pct": 76, "days": 72, "code": 100,
}
#: Widths of the table's box below which a table drops a priority (``app.css`` has one rule per step).
FIT_STEPS = (480, 560, 640, 720, 800, 880, 960, 1040, 1120, 1200, 1280, 1360, 1440)
#: Primary columns wider than this (estimated) are set in smaller type (a laptop's table is ~1050 px).
DENSE_FROM = 1000
#: A text longer than this is clamped to a few lines, with the whole text in the cell's title.
LONG_TEXT = 80


def value_of(row: Any, key: str) -> Any:
    """``row[key]`` for mappings, else attributes; ``a.b`` follows relations."""
    value = row
    for part in key.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if callable(value) and not isinstance(value, type):
            value = value()
    return value


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    kind: Kind = "text"
    #: the currency of a money column: fixed, or the row key holding it
    currency: str | None = None
    currency_key: str | Callable[[Any], str | None] | None = None
    link: Callable[[Any], str | None] | None = None
    #: sort key accepted as ``?sort=KEY`` / ``?sort=-KEY``
    sort: str | None = None
    show: bool = True
    export: bool = True
    #: badge tone from the value (``"ok"``, ``"warn"``, ``"bad"``, ``"info"``)
    tone: Callable[[Any], str] | None = None
    display: Callable[[Any], str] | None = None
    title: str = ""
    #: computes the value from the row instead of reading ``key``
    get: Callable[[Any], Any] | None = None
    #: 1 primary, 2 normal, 3 detail (see ``PRIMARY``); by default from the kind
    priority: int | None = None
    #: the row's title on a phone's card (default: the first column)
    lead: bool = False

    @property
    def rank(self) -> int:
        return self.priority or DEFAULT_PRIORITY.get(self.kind, NORMAL)

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC

    def value(self, row: Any) -> Any:
        return self.get(row) if self.get is not None else value_of(row, self.key)

    def currency_for(self, row: Any) -> str | None:
        if self.currency:
            return self.currency
        if callable(self.currency_key):
            return self.currency_key(row)
        if self.currency_key:
            found = value_of(row, self.currency_key)
            return str(found) if found else None
        return None

    def text(self, row: Any) -> str:
        value = self.value(row)
        if self.display is not None:
            return self.display(value)
        if value is None or value == "":
            return "—" if self.kind in NUMERIC or self.kind in ("date", "datetime", "due") else ""
        if self.kind == "money":
            return formatting.money(value, self.currency_for(row))
        if self.kind == "number":
            return formatting.number(value, 2)
        if self.kind == "int":
            return formatting.number(value, 0)
        if self.kind == "days":
            return formatting.number(value, 0 if isinstance(value, int) else 1)
        if self.kind == "pct":
            return formatting.percent(value)
        if self.kind == "due":
            return formatting.due_words(value)
        if self.kind == "date":
            return formatting.date(value)
        if self.kind == "datetime":
            return formatting.datetime(value)
        return str(value)

    def exported(self, row: Any) -> Any:
        value = self.value(row)
        if self.display is not None and self.kind in ("badge", "text"):
            value = self.display(value)
        if self.kind == "money" and isinstance(value, Decimal):
            currency = self.currency_for(row)
            return quantize(value, currency) if currency else value
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, Decimal | int | dt.date | str) or value is None:
            return value
        return str(value)


@dataclass
class DataTable:
    """Columns and rows (a list or a queryset); paginated for display, complete for export."""

    id: str
    columns: Sequence[Col]
    rows: Iterable[Any]
    request: HttpRequest
    caption: str = ""
    empty: str = "Nothing to show."
    empty_hint: str = ""
    per_page: int | None = 50
    export_name: str = ""
    #: rows shown under the body (totals), formatted with the same columns
    footer: list[Any] = field(default_factory=list)
    default_sort: str = ""
    row_link: Callable[[Any], str | None] | None = None
    #: a CSS class for a row (``"row-muted"``: a reversed or cancelled record)
    row_class: Callable[[Any], str] | None = None
    #: whether the export ends with the footer rows
    export_footer: bool = True
    #: export links of a table that exports in its own way (the audit trail with its hashes)
    custom_exports: list[dict[str, str]] | None = None
    page: Page[Any] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.per_page and self.request.GET.get("export") is None:
            paginator: Paginator[Any] = Paginator(self.rows, self.per_page)  # type: ignore[arg-type]
            self.page = paginator.get_page(self.request.GET.get(self._page_param))

    # ------------------------------------------------------------ sorting and query strings
    @property
    def _page_param(self) -> str:
        return "page" if self.id == "main" else f"{self.id}_page"

    @property
    def sort_param(self) -> str:
        return "sort" if self.id == "main" else f"{self.id}_sort"

    @staticmethod
    def ordering(request: HttpRequest, columns: Sequence[Col], fields: Mapping[str, Sequence[str]], default: str,
                 param: str = "sort") -> tuple[str, list[str]]:
        """The sort the user asked for (if a column offers it) and the ``order_by`` fields it means."""
        wanted = request.GET.get(param, "") or default
        key = wanted.lstrip("-")
        if key not in fields or not any(c.sort == key for c in columns):
            wanted, key = default, default.lstrip("-")
        desc = wanted.startswith("-")
        order = [(f"-{f}" if not f.startswith("-") else f[1:]) if desc else f for f in fields[key]]
        return wanted, order

    def _query(self, **changes: str | None) -> str:
        q: QueryDict = self.request.GET.copy()
        for k, v in changes.items():
            if v is None:
                q.pop(k, None)
            else:
                q[k] = v
        q.pop("partial", None)
        text = q.urlencode()
        return f"?{text}" if text else "?"

    # ------------------------------------------------------------ rendering
    def visible_rows(self) -> Iterable[Any]:
        return self.page.object_list if self.page is not None else self.rows

    @property
    def shown(self) -> list[Col]:
        return [c for c in self.columns if c.show]

    def _lead(self, c: Col, first: bool) -> bool:
        return c.lead or (first and not any(x.lead for x in self.shown))

    def _css(self, c: Col, first: bool) -> str:
        """The classes a column's cells share: alignment, priority, card title, wrapping."""
        lead = self._lead(c, first)
        classes = ["num" if c.numeric else "", "lead" if lead else f"p{c.rank}",
                   "wrap" if c.kind == "text" else "", "mono" if c.kind == "code" else ""]
        return " ".join(x for x in classes if x)

    def fit(self) -> str:
        """Classes telling ``app.css`` below which box width the table drops its detail columns,
        then its normal ones, estimated from the columns' kinds (no script, no measuring)."""
        cols = [(c, self._lead(c, i == 0)) for i, c in enumerate(self.shown)]
        out = []
        for rank in (3, 2):
            need = sum(_WIDTH.get(c.kind, 120) for c, lead in cols if lead or c.rank <= rank)
            if any(c.rank == rank and not lead for c, lead in cols) and need > FIT_STEPS[0]:
                step = next((s for s in FIT_STEPS if s >= need), FIT_STEPS[-1])
                out.append(f"h{rank}-{step}")
        primary = sum(_WIDTH.get(c.kind, 120) for c, lead in cols if lead or c.rank == PRIMARY)
        if primary > DENSE_FROM:
            out.append("dense")  # many amounts side by side: a smaller type so that they all fit
        return " ".join(out)

    def header(self) -> list[dict[str, Any]]:
        current = self.request.GET.get(self.sort_param, "") or self.default_sort
        out = []
        for i, c in enumerate(self.shown):
            cell: dict[str, Any] = {"label": c.label, "numeric": c.numeric, "title": c.title, "sort": None,
                                    "css": self._css(c, i == 0).replace(" mono", "")}
            if c.sort:
                active = current.lstrip("-") == c.sort
                desc = current.startswith("-")
                nxt = f"-{c.sort}" if active and not desc else c.sort
                if not active and c.numeric:
                    nxt = f"-{c.sort}"  # amounts: largest first on the first click
                cell.update(sort=self._query(**{self.sort_param: nxt, self._page_param: None}),
                            active=active, direction=("descending" if desc else "ascending") if active else "none")
            out.append(cell)
        return out

    def _cells(self, row: Any, links: bool = True, foot: bool = False) -> list[dict[str, Any]]:
        cells = []
        for i, c in enumerate(self.shown):
            value = c.value(row)
            zero = c.kind == "money" and isinstance(value, Decimal) and value == 0
            text = "" if foot and (value is None or value == "") else c.text(row)
            tone = c.tone(value) if c.tone else ""
            if c.kind == "due" and isinstance(value, int):
                tone = "bad" if value > 0 else "muted"
            css = [self._css(c, i == 0), "neg" if c.numeric and isinstance(value, Decimal | int) and value < 0 else "",
                   "zero" if zero else "", "blank" if text in ("", "—") else "",
                   f"tone-{tone}" if tone and c.kind != "badge" else ""]
            cells.append({
                "text": text, "href": c.link(row) if c.link and links and not zero else None,
                "numeric": c.numeric, "zero": zero, "label": c.label, "css": " ".join(x for x in css if x),
                "badge": c.kind == "badge", "tone": tone,
                "negative": c.numeric and isinstance(value, Decimal | int) and value < 0,
                "code": c.kind == "code", "long": len(text) > LONG_TEXT,
            })
        return cells

    def body(self) -> list[dict[str, Any]]:
        return [{"cells": self._cells(r), "href": self.row_link(r) if self.row_link else None,
                 "css": self.row_class(r) if self.row_class else ""}
                for r in self.visible_rows()]

    def foot(self) -> list[list[dict[str, Any]]]:
        return [self._cells(r, links=False, foot=True) for r in self.footer]

    @property
    def is_empty(self) -> bool:
        if self.page is not None:
            return self.page.paginator.count == 0
        if isinstance(self.rows, QuerySet):
            return not self.rows.exists()
        return not list(self.rows)

    def pages(self) -> dict[str, Any] | None:
        if self.page is None or self.page.paginator.num_pages <= 1:
            return None if self.page is None or self.page.paginator.count == 0 else {
                "count": self.page.paginator.count, "single": True}
        p = self.page
        return {
            "count": p.paginator.count, "number": p.number, "num_pages": p.paginator.num_pages,
            "start": p.start_index(), "end": p.end_index(),
            "prev": self._query(**{self._page_param: str(p.previous_page_number())}) if p.has_previous() else None,
            "next": self._query(**{self._page_param: str(p.next_page_number())}) if p.has_next() else None,
            "first": self._query(**{self._page_param: "1"}) if p.number > 2 else None,
            "last": self._query(**{self._page_param: str(p.paginator.num_pages)})
            if p.number < p.paginator.num_pages - 1 else None,
        }

    def export_links(self) -> list[dict[str, str]]:
        if self.custom_exports is not None:
            return self.custom_exports
        if not self.export_name or not can(self.request.user, "export_data"):
            return []
        return [{"format": f.upper(), "url": self._query(export=f, table=self.id, **{self._page_param: None})}
                for f in EXPORT_FORMATS]

    # ------------------------------------------------------------ export
    def export_table(self) -> tuple[list[str], list[list[Any]]]:
        cols = [c for c in self.columns if c.export]
        headers = [c.label for c in cols]
        rows_in = self.rows.iterator(chunk_size=2000) if isinstance(self.rows, QuerySet) else self.rows
        rows = [[c.exported(r) for c in cols] for r in rows_in]
        if self.export_footer:
            rows += [[c.exported(r) for c in cols] for r in self.footer]
        return headers, rows


def export_requested(request: HttpRequest) -> tuple[str, str] | None:
    fmt = request.GET.get("export")
    if fmt is None:
        return None
    return fmt, request.GET.get("table", "main")


def export_response(request: HttpRequest, table: DataTable, fmt: str) -> HttpResponse:
    """The whole table as a file download; needs the ``export_data`` right."""
    authorize(request.user, "export_data")
    if fmt not in EXPORT_FORMATS:
        return HttpResponse(f"Choose an export format: {', '.join(EXPORT_FORMATS)}", status=400,
                            content_type="text/plain; charset=utf-8")
    headers, rows = table.export_table()
    data = tables.render(fmt, headers, rows, table.caption or table.export_name)
    response = HttpResponse(data, content_type=_CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{table.export_name or table.id}.{fmt}"'
    return response


def respond_export(request: HttpRequest, tables_: Sequence[DataTable]) -> HttpResponse | None:
    """If ``?export=csv|xlsx&table=ID`` was asked for, the download; else None (render the page)."""
    wanted = export_requested(request)
    if wanted is None:
        return None
    fmt, table_id = wanted
    for t in tables_:
        if t.id == table_id and t.export_name:
            return export_response(request, t, fmt)
    return HttpResponse("No such table to export.", status=404, content_type="text/plain; charset=utf-8")
