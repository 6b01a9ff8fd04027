"""Generators of Avro records, built once per version from the writer's schema.

Values are raw (logical types as their underlying int, long, bytes or fixed), valid for the
writer's schema by construction: fastavro's writer is lax (it writes 2^40 into an `int`), so the
generator never relies on it to reject anything. Biased to the values that break promotions and
resolution: int/long bounds, 2^24+1 (float32 rounding), 2^53+1 (double rounding), NaN, ±inf,
-0.0, every enum symbol, every union branch, empty and multi-element arrays and maps. Logical
values stay in the range other stacks accept (years 1-9999, decimal precision).

Each generator runs on a `sampling.Source`: fast from a random source during discovery, and as
a Hypothesis strategy (`Sampler.strategy()`) for shrinking and users' tests. Shrinking moves
numbers towards 0, shortens lists and maps and picks earlier union branches.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from schemafuzz._internal.formats.avro import NAMED, PRIMITIVE_CATEGORY, _full_name, _Names
from schemafuzz._internal.model import AVRO_MAX_DEPTH
from schemafuzz._internal.sampling import (
    Generator,
    Sampler,
    Source,
    float32,
    pick,
    plain_or_edge,
    sized,
)

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
_BYTES = (b"", b"\xff\xfe", b"\x00")
_STRINGS = ("", "é", "\U0001f600", "x" * 200)
MAX_LIST = 4
MAX_MAP = 3
_DAYS = (-719162, 2932896)  # 0001-01-01 .. 9999-12-31 as days since 1970-01-01
_SECONDS = (-62135596800, 253402300799)


def _integers(low: int, high: int) -> Generator:
    edges = sorted({v for v in _EDGES if low <= v <= high} | {low, high}, key=abs)
    # Plain integers first so examples shrink towards 0; the edges twice as likely.
    return plain_or_edge(lambda s: s.integer(low, high), edges, weight=2)


def _boolean(s: Source) -> bool:
    return s.boolean()


def _null(s: Source) -> None:
    return None


_PRIMITIVES: dict[str, Generator] = {
    "null": _null,
    "boolean": _boolean,
    "int": _integers(*INT32),
    "long": _integers(*INT64),
    "float": plain_or_edge(lambda s: float32(s.floating(32)), _FLOATS),
    "double": plain_or_edge(lambda s: s.floating(64), _DOUBLES),
    "bytes": plain_or_edge(lambda s: s.binary(32), _BYTES),
    "string": plain_or_edge(lambda s: s.text(32), _STRINGS),
}


def _exactly(size: int) -> Generator:
    """`size` bytes (shrinks towards zeros)."""
    return lambda s: s.binary(size).ljust(size, b"\x00")


def _decimal_bytes(precision: int, size: int | None) -> Generator:
    bound = 10**precision - 1
    if size is not None:
        bound = min(bound, 2 ** (8 * size - 1) - 1)
    unscaled = _integers(-bound, bound)

    def generate(s: Source) -> bytes:
        value: int = unscaled(s)
        length = size or max(1, (value.bit_length() + 8) // 8)
        return value.to_bytes(length, "big", signed=True)

    return generate


def _uuid(s: Source) -> str:
    return str(uuid.UUID(int=s.integer(0, 2**128 - 1)))


def _duration(s: Source) -> bytes:
    return b"".join(s.integer(0, 2**32 - 1).to_bytes(4, "little") for _ in range(3))


def _logical(schema: dict[str, Any]) -> Generator | None:
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
        return _uuid
    if logical == "decimal" and base in ("bytes", "fixed"):
        size = int(schema["size"]) if base == "fixed" else None
        return _decimal_bytes(int(schema.get("precision", 1)), size)
    if logical == "duration" and base == "fixed" and schema.get("size") == 12:
        return _duration
    return None


class _Builder:
    def __init__(self, names: _Names, max_depth: int = AVRO_MAX_DEPTH) -> None:
        self.names = names
        self.max_depth = max_depth
        self.memo: dict[tuple[str, ...], Generator] = {}
        self.truncated: set[str] = set()  # records not generated deeper than max_depth

    def of(self, schema: Any, namespace: str, chain: tuple[str, ...]) -> Generator | None:
        """A generator for `schema`, or None where recursion must stop here."""
        if isinstance(schema, str):
            if schema in PRIMITIVE_CATEGORY:
                return _PRIMITIVES[schema]
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
            return pick(list(schema["symbols"]))
        if kind == "fixed":
            return _exactly(int(schema["size"]))
        if kind == "array":
            items = self.of(schema["items"], namespace, chain)
            return (lambda s: []) if items is None else sized(items, MAX_LIST)
        if kind == "map":
            values = self.of(schema["values"], namespace, chain)
            return (lambda s: {}) if values is None else _map(values)
        return self.of(kind, namespace, chain)

    def _record(
        self, schema: dict[str, Any], namespace: str, chain: tuple[str, ...]
    ) -> Generator | None:
        """A record's fields; a record nested in itself max_depth times stops recursion."""
        full = _full_name(schema, namespace)
        if chain.count(full) > self.max_depth:
            self.truncated.add(full)
            return None
        chain = (*chain, full)
        if chain not in self.memo:
            inner = full.rpartition(".")[0]
            fields: list[tuple[str, Generator]] = []
            for field in schema.get("fields", []):
                value = self.of(field["type"], inner, chain)
                if value is None:  # only a union with null, an array or a map can stop recursion
                    return None
                fields.append((field["name"], value))
            self.memo[chain] = _fixed_dictionary(tuple(fields))
        return self.memo[chain]

    def _union(
        self, branches: list[Any], namespace: str, chain: tuple[str, ...]
    ) -> Generator | None:
        named = [b for b in branches if self._is_named(b, namespace)]
        options: list[Generator] = []
        for branch in branches:
            value = self.of(branch, namespace, chain)
            if value is None:
                continue
            if len(named) > 1 and branch in named:
                value = _tagged(self._name_of(branch, namespace), value)
            options.append(value)
        if not options:
            return None
        if len(options) == 1:
            return options[0]
        last = len(options) - 1
        return lambda s: options[s.integer(0, last)](s)

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


def _fixed_dictionary(fields: tuple[tuple[str, Generator], ...]) -> Generator:
    return lambda s: {name: value(s) for name, value in fields}


def _map(values: Generator) -> Generator:
    def generate(s: Source) -> dict[str, Any]:
        return {s.text(8): values(s) for _ in range(s.integer(0, MAX_MAP))}

    return generate


def _tagged(name: str, value: Generator) -> Generator:
    """fastavro's tuple notation: (type name, value) picks the union branch explicitly."""
    return lambda s: (name, value(s))


def record_sampler(root: dict[str, Any], names: _Names, max_depth: int = AVRO_MAX_DEPTH) -> Sampler:
    """Records valid for the writer's root schema, as fastavro writes them (raw values);
    `Sampler.truncated` names the records whose recursion stopped (nested in themselves
    `max_depth` times)."""
    builder = _Builder(names, max_depth)
    generate = builder.of(root, "", ())
    assert generate is not None, "the root record cannot be generated (recursion without a base)"
    return Sampler(generate, builder.truncated)
