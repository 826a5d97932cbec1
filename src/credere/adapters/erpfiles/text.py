"""Turning the bytes of a text file into text: byte-order marks, UTF-8, Windows-1252.

ERP systems write CSV in UTF-8 (with or without a byte-order mark), in UTF-16 with a
byte-order mark (Excel "Unicode text"), or in the Windows code page of the machine that
exported it. We never guess beyond that: a file that is neither UTF-8 nor Windows-1252
needs its encoding named explicitly.
"""

from __future__ import annotations

import codecs

from credere.adapters.erpfiles.errors import FileFormatError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: What the automatic detection tries, in order, after looking for a byte-order mark.
FALLBACKS = ("utf-8", "cp1252")


def _line_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding used)``; raise :class:`FileFormatError` if it cannot be read."""
    text, used = _decode(data, encoding)
    if "\x00" in text:
        raise FileFormatError(f"the text has NUL characters: this is not a {used} text file"
                              + (" (UTF-16 without a byte-order mark?)" if used.startswith("utf-8") else ""))
    return text, used


def _decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            codec = codecs.lookup(encoding)
        except LookupError:
            raise FileFormatError(f"unknown text encoding '{encoding}'") from None
        name = "utf-8-sig" if codec.name == "utf-8" else codec.name
        try:
            return data.decode(name), codec.name
        except UnicodeDecodeError as exc:
            raise FileFormatError(
                f"the file is not valid {codec.name}: line {_line_of(data, exc.start)} has the byte "
                f"0x{data[exc.start]:02x} that {codec.name} does not allow"
            ) from None
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), "utf-8" if name == "utf-8-sig" else name
            except UnicodeDecodeError as exc:
                raise FileFormatError(
                    f"the file starts with a {name} byte-order mark but is not valid {name} "
                    f"(byte offset {exc.start})"
                ) from None
    if b"\x00" in data:
        raise FileFormatError(
            "this is not a text file (it contains NUL bytes); export CSV as UTF-8, "
            "or as UTF-16 with a byte-order mark"
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise FileFormatError(
            f"cannot tell the text encoding: the file is neither UTF-8 (line {_line_of(data, first_bad)} "
            "is not) nor Windows-1252; save it as UTF-8 or name its encoding"
        ) from None
