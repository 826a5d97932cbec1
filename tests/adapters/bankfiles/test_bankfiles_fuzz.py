"""Fuzzing: whatever bytes arrive, the adapters either read statements or raise StatementError, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credere.adapters.bankfiles import StatementError, parse_statements

from .regenerate_golden import SAMPLES

DATA = Path(__file__).resolve().parents[2] / "data" / "bankfiles"
SAMPLE_BYTES = {name: (DATA / name).read_bytes() for name in SAMPLES}


def _flip(data: bytes, position: int, value: int) -> bytes:
    position %= max(len(data), 1)
    return data[:position] + bytes([value]) + data[position + 1:]


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["flip", "truncate", "delete_line", "duplicate_line", "insert", "splice_text"]))
    if kind == "flip":
        for _ in range(draw(st.integers(1, 4))):
            data = _flip(data, draw(st.integers(0, len(data))), draw(st.integers(0, 255)))
        return data
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    lines = data.split(b"\n")
    index = draw(st.integers(0, len(lines) - 1))
    if kind == "delete_line":
        return b"\n".join(lines[:index] + lines[index + 1:])
    if kind == "duplicate_line":
        return b"\n".join(lines[: index + 1] + lines[index:])
    if kind == "insert":
        return b"\n".join(lines[:index] + [draw(st.binary(max_size=40))] + lines[index:])
    text = draw(st.text(alphabet=st.sampled_from(list(":;,/?+-<>&0123456789CDRABN\n\"' .")), max_size=30)).encode()
    position = draw(st.integers(0, len(data)))
    return data[:position] + text + data[position:]


def _must_read_or_refuse(data: bytes) -> None:
    try:
        statements = parse_statements(data)
    except StatementError as error:
        assert str(error)
        return
    assert statements
    for statement in statements:
        assert statement.account


@pytest.mark.parametrize("sample", SAMPLES)
def test_mutated_samples_read_or_raise_statement_error(sample):
    @settings(max_examples=150, deadline=None, derandomize=True, database=None)
    @given(mutated(SAMPLE_BYTES[sample]))
    def check(data: bytes) -> None:
        _must_read_or_refuse(data)

    check()


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.binary(max_size=300))
def test_random_bytes_read_or_raise_statement_error(data):
    _must_read_or_refuse(data)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from([":20:X", ":25:ACC", ":60F:C260301EUR1,00", ":61:260302C1,00NTRFNONREF", ":86:?20x", ":62F:C260302EUR2,00",
                              ":34F:EURC0,00", ":13D:2603031500", ":90C:1EUR1,00", "01,A,B,260302,0600,1,,,2/", "02,A,B,1,260301,,USD,2/",
                              "03,1,USD,010,100,,,/", "16,195,100,0,R,C,text/", "88,more", "49,200,3/", "98,200,1,5/", "99,200,1,7/",
                              "Date;Amount;Currency", "2026-03-02;1,00;EUR"]), max_size=20).map("\n".join),
))
def test_random_text_reads_or_raises_statement_error(text):
    _must_read_or_refuse(text.encode("utf-8"))
