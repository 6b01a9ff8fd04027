"""Hypothesis strategies for Avro records, by construction from the writer's schema.

Values are raw (logical types as their underlying int, long, bytes or fixed), valid for the
writer's schema by construction: fastavro's writer is lax (it writes 2^40 into an `int`), so the
generator never relies on it to reject anything. Biased to the values that break promotions and
resolution: int/long bounds, 2^24+1 (float32 rounding), 2^53+1 (double rounding), NaN, ±inf,
-0.0, every enum symbol, every union branch, empty and multi-element arrays and maps. Logical
values stay in the range other stacks accept (years 1-9999, decimal precision).
Shrinking moves numbers towards 0, shortens lists and picks earlier union branches.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from schemafuzz._internal.formats.avro import NAMED, PRIMITIVE_CATEGORY, _full_name, _Names
from schemafuzz._internal.model import AVRO_MAX_DEPTH

SearchStrategy = st.SearchStrategy
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
_EDGES = (
    0, 1, -1, 127, 128, 255, 256, 2**15, 2**16, 2**24 + 1, -(2**24) - 1, 2**31 - 1, -(2**31),
    2**32, 2**53 + 1, -(2**53) - 1, 2**62, 2**63 - 1, -(2**63),
)  # fmt: skip
_FLOATS = (
    0.0, -0.0, 1.0, 0.1, 16777217.0, 3.4028234663852886e38, 1e-45, math.inf, -math.inf, math.nan,
)  # fmt: skip
_DOUBLES = (
    0.0, -0.0, 0.1, 2.0**53 + 2, 1.7976931348623157e308, 5e-324, math.inf, -math.inf, math.nan,
)  # fmt: skip
MAX_LIST = 4
_DAYS = (-719162, 2932896)  # 0001-01-01 .. 9999-12-31 as days since 1970-01-01
_SECONDS = (-62135596800, 253402300799)


def _integers(low: int, high: int) -> SearchStrategy[int]:
    edges = sorted({v for v in _EDGES if low <= v <= high} | {low, high}, key=abs)
    edge = st.sampled_from(edges)  # twice as likely as a plain integer, which shrinks first
    return st.one_of(st.integers(low, high), edge, edge)


def _primitive(name: str) -> SearchStrategy[Any]:
    if name == "null":
        return st.none()
    if name == "boolean":
        return st.booleans()
    if name == "int":
        return _integers(*INT32)
    if name == "long":
        return _integers(*INT64)
    if name == "float":
        return st.one_of(st.floats(width=32), st.sampled_from(_FLOATS))
    if name == "double":
        return st.one_of(st.floats(), st.sampled_from(_DOUBLES))
    if name == "bytes":
        return st.one_of(st.binary(max_size=32), st.sampled_from([b"", b"\xff\xfe", b"\x00"]))
    if name == "string":
        return st.one_of(
            st.text(st.characters(codec="utf-8"), max_size=32),
            st.sampled_from(["", "é", "\U0001f600", "x" * 200]),
        )
    raise AssertionError(name)


def _decimal_bytes(precision: int, size: int | None) -> SearchStrategy[bytes]:
    bound = 10**precision - 1

    def encode(unscaled: int) -> bytes:
        length = size or max(1, (unscaled.bit_length() + 8) // 8)
        return unscaled.to_bytes(length, "big", signed=True)

    if size is not None:
        bound = min(bound, 2 ** (8 * size - 1) - 1)
    return _integers(-bound, bound).map(encode)


def _logical(schema: dict[str, Any]) -> SearchStrategy[Any] | None:
    logical, base = schema.get("logicalType"), schema.get("type")
    if logical == "date" and base == "int":
        return _integers(*_DAYS)
    if logical in ("timestamp-millis", "local-timestamp-millis") and base == "long":
        return _integers(_SECONDS[0] * 1000, _SECONDS[1] * 1000)
    if logical in ("timestamp-micros", "local-timestamp-micros") and base == "long":
        return _integers(_SECONDS[0] * 10**6, _SECONDS[1] * 10**6)
    if logical == "time-millis" and base == "int":
        return _integers(0, 86_400_000 - 1)
    if logical == "time-micros" and base == "long":
        return _integers(0, 86_400_000_000 - 1)
    if logical == "uuid" and base == "string":
        return st.uuids().map(str)
    if logical == "decimal" and base in ("bytes", "fixed"):
        size = int(schema["size"]) if base == "fixed" else None
        return _decimal_bytes(int(schema.get("precision", 1)), size)
    if logical == "duration" and base == "fixed" and schema.get("size") == 12:
        part = st.integers(0, 2**32 - 1)
        return st.tuples(part, part, part).map(
            lambda p: b"".join(x.to_bytes(4, "little") for x in p)
        )
    return None


class _Builder:
    def __init__(self, names: _Names, max_depth: int = AVRO_MAX_DEPTH) -> None:
        self.names = names
        self.max_depth = max_depth
        self.memo: dict[tuple[str, ...], SearchStrategy[Any]] = {}
        self.truncated: set[str] = set()  # records not generated deeper than max_depth

    def of(self, schema: Any, namespace: str, chain: tuple[str, ...]) -> SearchStrategy[Any] | None:
        """A strategy for `schema`, or None where recursion must stop here."""
        if isinstance(schema, str):
            if schema in PRIMITIVE_CATEGORY:
                return _primitive(schema)
            named = self.names.resolve(schema, namespace)
            assert named is not None, schema
            return self.of(named, namespace, chain)
        if isinstance(schema, list):
            return self._union(schema, namespace, chain)
        kind = schema.get("type")
        logical = _logical(schema)
        if logical is not None:
            return logical
        if kind in ("record", "error"):
            return self._record(schema, namespace, chain)
        if kind == "enum":
            return st.sampled_from(list(schema["symbols"]))
        if kind == "fixed":
            return st.binary(min_size=int(schema["size"]), max_size=int(schema["size"]))
        if kind == "array":
            items = self.of(schema["items"], namespace, chain)
            return st.just([]) if items is None else st.lists(items, max_size=MAX_LIST)
        if kind == "map":
            values = self.of(schema["values"], namespace, chain)
            if values is None:
                return st.just({})
            keys = st.text(st.characters(codec="utf-8"), max_size=8)
            return st.dictionaries(keys, values, max_size=3)
        return self.of(kind, namespace, chain)

    def _record(
        self, schema: dict[str, Any], namespace: str, chain: tuple[str, ...]
    ) -> SearchStrategy[Any] | None:
        """A record's fields; a record nested in itself max_depth times stops recursion."""
        full = _full_name(schema, namespace)
        if chain.count(full) > self.max_depth:
            self.truncated.add(full)
            return None
        chain = (*chain, full)
        if chain not in self.memo:
            inner = full.rpartition(".")[0]
            fields: dict[str, SearchStrategy[Any]] = {}
            for field in schema.get("fields", []):
                value = self.of(field["type"], inner, chain)
                if value is None:  # only a union with null, an array or a map can stop recursion
                    return None
                fields[field["name"]] = value
            self.memo[chain] = st.fixed_dictionaries(fields)
        return self.memo[chain]

    def _union(
        self, branches: list[Any], namespace: str, chain: tuple[str, ...]
    ) -> SearchStrategy[Any] | None:
        named = [b for b in branches if self._is_named(b, namespace)]
        options = []
        for branch in branches:
            value = self.of(branch, namespace, chain)
            if value is None:
                continue
            if len(named) > 1 and branch in named:
                name = self._name_of(branch, namespace)
                value = value.map(_tagged(name))
            options.append(value)
        return st.one_of(*options) if options else None

    def _is_named(self, schema: Any, namespace: str) -> bool:
        if isinstance(schema, str):
            return schema not in PRIMITIVE_CATEGORY
        return isinstance(schema, dict) and schema.get("type") in NAMED

    def _name_of(self, schema: Any, namespace: str) -> str:
        if isinstance(schema, str):
            named = self.names.resolve(schema, namespace)
            assert named is not None
            return _full_name(named, namespace)
        return _full_name(schema, namespace)


def _tagged(name: str) -> Any:
    """fastavro's tuple notation: (type name, value) picks the union branch explicitly."""
    return lambda value: (name, value)


def record_strategy(
    root: dict[str, Any], names: _Names, max_depth: int = AVRO_MAX_DEPTH
) -> tuple[SearchStrategy[Any], list[str]]:
    """Records valid for the writer's root schema, as fastavro writes them (raw values), and
    the records whose recursion stopped (nested in themselves `max_depth` times)."""
    builder = _Builder(names, max_depth)
    strategy = builder.of(root, "", ())
    assert strategy is not None, "the root record cannot be generated (recursion without a base)"
    return strategy, sorted(builder.truncated)
