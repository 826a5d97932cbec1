"""What every reader returns: a header and numbered rows of cells."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

#: One cell as read from a file. Numbers are exact: XLSX floats arrive here as ``Decimal``
#: built from their shortest round-trip text, so nothing downstream ever sees a float.
Cell = str | int | Decimal | bool | dt.datetime | dt.date | dt.time | None


@dataclass(frozen=True, slots=True)
class Row:
    #: The number the user sees: the row in a spreadsheet (header = 1) or, for XML, the line.
    number: int
    cells: tuple[Cell, ...]

    def is_blank(self) -> bool:
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in self.cells)


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]
    format: Literal["csv", "xlsx", "ecb"]
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    #: How :attr:`Row.number` counts: spreadsheet rows, or lines of an XML file.
    numbering: Literal["row", "line"] = "row"
    warnings: list[str] = field(default_factory=list)
