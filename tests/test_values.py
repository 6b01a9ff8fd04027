"""Invariants of value comparison and report values, as properties."""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from schemafuzz._internal.model import BYTES, FLOAT32, FLOAT64, INT, STRING, View
from schemafuzz._internal.values import comparator, jsonable, to_float32

scalars = st.one_of(
    st.integers(-(2**64), 2**64),
    st.floats(),
    st.text(st.characters(codec="utf-8")),
    st.binary(),
    st.booleans(),
    st.none(),
)
trees = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.one_of(st.text(), st.integers(), st.booleans(), st.binary()), inner, max_size=3
        ),
    ),
    max_leaves=10,
)


@given(trees)
def test_report_values_are_always_strict_json(value: object) -> None:
    json.dumps(jsonable(value), allow_nan=False)


@given(st.floats())
def test_floats_compare_by_bit_pattern(value: float) -> None:
    same = comparator(FLOAT64, FLOAT64)
    assert same(value, value)  # NaN equals itself bit for bit
    if value == 0.0:
        assert not same(value, -value)  # -0.0 differs from 0.0


@given(st.floats(width=32))
def test_float32_widened_to_double_is_no_loss(value: float) -> None:
    assert comparator(FLOAT32, FLOAT64)(value, value)


def test_double_narrowed_to_float32_is_a_loss() -> None:
    assert not comparator(FLOAT64, FLOAT32)(0.1, to_float32(0.1))
    assert to_float32(16777217.0) == 16777216.0
    assert math.isinf(to_float32(1e39))


@given(st.text(st.characters(codec="utf-8")))
def test_string_and_its_utf8_bytes_are_the_same_value(text: str) -> None:
    assert comparator(STRING, BYTES)(text, text.encode("utf-8"))


@given(st.integers(-(2**63), 2**63))
def test_integers_compare_exactly_also_against_doubles(number: int) -> None:
    same = comparator(INT, FLOAT64)
    assert same(number, float(number)) == (float(number) == number)


def test_special_floats_and_bytes_in_reports() -> None:
    assert jsonable([math.nan, math.inf, -math.inf, -0.0, b"\xff"]) == [
        "NaN", "Infinity", "-Infinity", "-0.0", "/w==",
    ]  # fmt: skip
    assert jsonable(View({"a": 1, "b": 2}, {"a"})) == {"a": 1}
