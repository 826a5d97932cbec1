"""The one error the file readers raise."""

from __future__ import annotations


class FileFormatError(ValueError):
    """A file that cannot be read as the format it claims to be (not a row-level problem)."""

    def __init__(self, message: str, *, row: int | None = None, column: str = "") -> None:
        super().__init__(message)
        self.row = row
        self.column = column
