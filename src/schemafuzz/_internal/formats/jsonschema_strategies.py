"""Hypothesis strategies for JSON Schema instances, by construction from a version's shapes.

A shape is a schema with its `$ref` and `allOf` merged in (see `jsonschema.Shape`); anyOf, oneOf
and if/then/else are drawn as a choice of branch, merged into the rest, so one construction
covers every combination. Values are biased towards what breaks readers: bounds and bounds ± 1,
0, -1, 2^31, 2^53 + 1, big integers, -0.0, the largest double, empty, long and non-BMP strings,
every enum value, empty arrays, optional properties present and absent. Nothing here produces
NaN or infinity (JSON cannot carry them). Formats get realistic values (RFC 3339 date-times,
UUIDs, IPv4 addresses, e-mail addresses, URIs) even though validation does not assert them.

Every instance is validated against the writer's schema (the same validator its reader side
uses) before it is used; one that still fails a keyword the construction does not cover is
redrawn a few times, then rejected with `assume`. Shrinking removes optional properties,
shortens arrays, moves numbers towards 0 and picks earlier branches and enum values.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from hypothesis import assume
from hypothesis import strategies as st

from schemafuzz._internal.formats.jsonschema import (
    _NO_DEFAULT,
    TYPES,
    Node,
    Shape,
    Shapes,
    json_key,
    merge,
)
from schemafuzz._internal.model import JSON_MAX_DEPTH

if TYPE_CHECKING:
    from schemafuzz._internal.formats.jsonschema import JsonSchemaVersion

SearchStrategy = st.SearchStrategy

MAX_DEPTH = JSON_MAX_DEPTH  # down to this nesting, optional properties and array items are drawn
HARD_DEPTH = 12  # a required recursion deeper than this cannot be built: nothing
MAX_CHOICES = 8  # nested anyOf/oneOf resolutions of one value (recursive branches)
MAX_LIST = 4  # array items beyond minItems
MAX_OPTIONAL = 12  # objects with more optional properties draw a subset of them
SUBSET = 8
ATTEMPTS = 3  # draws per example before an instance failing validation is rejected

_EDGE_INTS = (
    0, 1, -1, 2, 127, 128, 255, 256, 2**15, 2**16 - 1, 2**31 - 1, 2**31, -(2**31),
    -(2**31) - 1, 2**32 - 1, 2**32, 2**53, 2**53 + 1, -(2**53) - 1, 2**63 - 1, 2**63,
    -(2**63), 2**64 - 1, 2**64, 2**70, -(2**70),
)  # fmt: skip
_EDGE_FLOATS = (
    0.0, -0.0, 0.1, 0.5, -1.5, 1e-7, 2.0**53, 9007199254740993.0, 1e21, 3.4028234663852886e38,
    1.7976931348623157e308, -1.7976931348623157e308, 5e-324, 2.2250738585072014e-308,
)  # fmt: skip
_EDGE_STRINGS = ("", "a", "é", "\U0001f600", "温度", " ", "0", "null", "x" * 300, "\u0000")
_UTC = UTC
_ZONES = (
    _UTC,
    _UTC,
    _UTC,
    timezone(timedelta(hours=2)),
    timezone(timedelta(hours=-5, minutes=-30)),
)


def _rfc3339(moment: datetime) -> str:
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _uri(parts: tuple[str, str, str]) -> str:
    scheme, host, path = parts
    return f"{scheme}://{host}/{path}"


_HOST = st.from_regex(
    r"[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){0,2}\.[a-z]{2,4}", fullmatch=True
)
_FORMATS: dict[str, SearchStrategy[str]] = {
    "date-time": st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2099, 12, 31),
        timezones=st.sampled_from(_ZONES),
    ).map(_rfc3339),
    "date": st.dates(min_value=date(1970, 1, 1), max_value=date(2099, 12, 31)).map(date.isoformat),
    "time": st.times(timezones=st.sampled_from(_ZONES)).map(
        lambda t: _rfc3339(datetime.combine(date(2000, 1, 1), t))[11:]
    ),
    "uuid": st.uuids().map(str),
    "ipv4": st.ip_addresses(v=4).map(str),
    "ipv6": st.ip_addresses(v=6).map(str),
    "email": st.emails(),
    "hostname": _HOST,
    "uri": st.tuples(
        st.sampled_from(("https", "http", "mqtt")),
        _HOST,
        st.from_regex(r"[a-z0-9_-]{0,12}(/[a-z0-9_-]{1,8}){0,2}", fullmatch=True),
    ).map(_uri),
}
_FORMATS["uri-reference"] = _FORMATS["uri"]
_FORMATS["iri"] = _FORMATS["uri"]


def _scalar_json() -> SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(_EDGE_INTS),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(st.characters(codec="utf-8"), max_size=8),
    )


ANY_JSON: SearchStrategy[Any] = st.recursive(
    _scalar_json(),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=6), children, max_size=3),
    ),
    max_leaves=6,
)


# ---------------------------------------------------------------------------------------------
# Numbers


def _int_bounds(shape: Shape) -> tuple[int | None, int | None]:
    low = high = None
    if shape.lower is not None and math.isfinite(shape.lower[0]):
        value, exclusive = shape.lower
        low = (
            math.floor(value) + 1 if exclusive and value == math.floor(value) else math.ceil(value)
        )
    if shape.upper is not None and math.isfinite(shape.upper[0]):
        value, exclusive = shape.upper
        high = (
            math.ceil(value) - 1 if exclusive and value == math.ceil(value) else math.floor(value)
        )
    return low, high


def in_bounds(shape: Shape, value: int | float) -> bool:
    if shape.lower is not None:
        bound, exclusive = shape.lower
        if value < bound or (exclusive and value == bound):
            return False
    if shape.upper is not None:
        bound, exclusive = shape.upper
        if value > bound or (exclusive and value == bound):
            return False
    return True


def _int_step(shape: Shape) -> int:
    """The step integer values take: the lcm of integer multipleOf values (others: validated)."""
    step = 1
    for multiple in shape.multiple_of:
        if isinstance(multiple, int) or (isinstance(multiple, float) and multiple.is_integer()):
            step = math.lcm(step, int(multiple))
    return step


def _exact(value: int) -> bool:
    """Whether a double holds `value` exactly (2**70 yes, 2**53 + 1 no)."""
    try:
        return int(float(value)) == value
    except OverflowError:
        return False


def integers(shape: Shape, exact: bool = False) -> SearchStrategy[int]:
    """Integers within the bounds and steps, a third of them at the bounds (± 1), a third at
    other edges; `exact`: only those a double holds exactly, as a writer whose schema says
    "number" (a double in most languages) can send."""
    low, high = _int_bounds(shape)
    if low is not None and high is not None and low > high:
        return st.nothing()
    step = _int_step(shape)

    def fits(v: int) -> bool:
        return in_bounds(shape, v) and v % step == 0 and (_exact(v) or not exact)

    near = sorted({b + d for b in (low, high) if b is not None for d in (0, 1, -1)}, key=abs)
    edges = sorted({v for v in _EDGE_INTS if fits(v)}, key=abs)
    k_low = None if low is None else -(-low // step)
    k_high = None if high is None else high // step
    if exact:
        k_low = max(k_low, -(2**53) // step) if k_low is not None else -(2**53) // step
        k_high = min(k_high, 2**53 // step) if k_high is not None else 2**53 // step
    empty = k_low is not None and k_high is not None and k_low > k_high
    general = None if empty else st.integers(k_low, k_high).map(lambda k: k * step)
    return _weighted([v for v in near if fits(v)], edges, general)


def _weighted(
    near: list[Any], edges: list[Any], *general: SearchStrategy[Any] | None
) -> SearchStrategy[Any]:
    """One of: a value at a bound, another edge value, each general strategy."""
    parts = [st.sampled_from(values) for values in (near, edges) if values]
    parts.extend(g for g in general if g is not None)
    return st.one_of(parts) if parts else st.nothing()


def floats(shape: Shape) -> SearchStrategy[float]:
    """Finite floats within the bounds: at the bounds and the next doubles, edges (-0.0, the
    largest double, subnormals), readings with two decimals (231.47, what telemetry carries),
    anything; a multipleOf as multiples (validated after)."""
    low = shape.lower[0] if shape.lower is not None else None
    high = shape.upper[0] if shape.upper is not None else None
    finite = [float(b) for b in (low, high) if b is not None and abs(b) < 1.7e308]
    around = (*finite, *(math.nextafter(b, d) for b in finite for d in (math.inf, -math.inf)))
    near = sorted({v for v in around if in_bounds(shape, v)}, key=abs)
    edges = sorted({v for v in _EDGE_FLOATS if in_bounds(shape, v)}, key=abs)
    if shape.multiple_of:
        multiple = shape.multiple_of[0]
        lo = None if low is None else math.ceil(low / multiple)
        hi = None if high is None else math.floor(high / multiple)
        return st.integers(lo, hi).map(lambda k: float(k * multiple))
    if low is not None and high is not None and low >= high:
        return _weighted(near, edges, None)
    general = st.floats(
        min_value=low,
        max_value=high,
        exclude_min=bool(shape.lower and shape.lower[1]),
        exclude_max=bool(shape.upper and shape.upper[1]),
        allow_nan=False,
        allow_infinity=False,
    )
    return _weighted(near, edges, _decimals(shape, low, high), general)


def _decimals(
    shape: Shape, low: int | float | None, high: int | float | None
) -> SearchStrategy[float]:
    """Readings with two decimals within the bounds (or within ±10^6)."""
    lo = -(10**8) if low is None or low < -1e6 else math.ceil(low * 100)
    hi = 10**8 if high is None or high > 1e6 else math.floor(high * 100)
    values = st.integers(lo, hi).map(lambda k: k / 100)
    return values.filter(lambda v: in_bounds(shape, v)) if lo <= hi else st.nothing()


# ---------------------------------------------------------------------------------------------
# Strings


def regex(pattern: str) -> SearchStrategy[str]:
    """Strings `re.search(pattern)` accepts (JSON Schema patterns are unanchored): exact
    matches, and matches inside other text.

    Only strings an ECMA-262 regex (the spec's dialect: JavaScript, Rust, Go validators) accepts
    too: ASCII `\\d` and `\\w`, and no newline before the end for a `$` — Python's `re`, which
    jsonschema uses, accepts `"MTR-1234\\n"` for `^MTR-[0-9]{4}$`; no real device sends it."""
    compiled = re.compile(pattern, re.ASCII)
    drawn = st.one_of(st.from_regex(compiled, fullmatch=True), st.from_regex(compiled))
    if "$" in pattern:
        drawn = drawn.filter(lambda s: not s.endswith("\n"))
    return drawn


def _length_ok(shape: Shape, text: str) -> bool:
    return len(text) >= shape.min_length and (
        shape.max_length is None or len(text) <= shape.max_length
    )


def strings(shape: Shape) -> SearchStrategy[str]:
    known = _FORMATS.get(shape.format or "")
    if known is not None or shape.patterns:
        base = known if known is not None else regex(shape.patterns[0])
        rest = shape.patterns if known is not None else shape.patterns[1:]
        if rest:
            base = base.filter(lambda s: all(re.search(p, s) for p in rest))
        if shape.min_length or shape.max_length is not None:
            base = base.filter(lambda s: _length_ok(shape, s))
        return base
    top = shape.min_length + 40 if shape.max_length is None else shape.max_length
    top = min(top, shape.min_length + 40)
    if top < shape.min_length:
        return st.nothing()
    general = st.text(st.characters(codec="utf-8"), min_size=shape.min_length, max_size=top)
    edges = [s for s in _EDGE_STRINGS if _length_ok(shape, s)]
    if shape.min_length > 1:
        edges.append("\U0001f600" * shape.min_length)
    return st.one_of(st.sampled_from(edges), general) if edges else general


# ---------------------------------------------------------------------------------------------
# Objects, arrays, choices


_ABSENT: Any = object()


def _maybe(value: SearchStrategy[Any]) -> SearchStrategy[Any]:
    """Present three times in four, shrinking to absent (Hypothesis favours a plain
    `one_of(absent, value)`'s first branch, which left optional properties out 70 % of the
    time)."""
    return st.integers(0, 3).flatmap(lambda i: value if i else st.just(_ABSENT))


def _present(drawn: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in drawn.items() if v is not _ABSENT}


def _join(parts: tuple[Any, ...]) -> dict[str, Any]:
    """The declared properties first, then pattern/free properties not already there."""
    out = dict(parts[0])
    for extra in parts[1:]:
        for key, value in extra.items():
            out.setdefault(key, value)
    return out


def _concat(parts: tuple[tuple[Any, ...], list[Any]]) -> list[Any]:
    return [*parts[0], *parts[1]]


class Builder:
    """Strategies per (shape, depth), memoised, built once per version from its shapes."""

    def __init__(self, shapes: Shapes, max_depth: int = MAX_DEPTH) -> None:
        self.shapes = shapes
        self.max_depth = max_depth
        self.truncated: set[str] = set()  # what is not generated below max_depth
        self.memo: dict[tuple[int, int], tuple[Shape, SearchStrategy[Any]]] = {}
        self.combos: dict[tuple[int, tuple[int, ...]], Shape] = {}

    def nodes(self, nodes: tuple[Node, ...], depth: int) -> SearchStrategy[Any]:
        if not nodes:
            return ANY_JSON
        return self.shape(self.shapes.all(nodes), depth)

    def shape(self, shape: Shape, depth: int, chosen: int = 0) -> SearchStrategy[Any]:
        key = (id(shape), depth)
        entry = self.memo.get(key)
        if entry is not None:
            return entry[1]
        if shape.never or depth > HARD_DEPTH or chosen > MAX_CHOICES:
            found: SearchStrategy[Any] = st.nothing()
        elif shape.choices:
            found = self._choose(shape, depth, chosen)
        else:
            found = self._plain(shape, depth)
        self.memo[key] = (shape, found)  # the shape stays alive, so its id is never reused
        return found

    def _choose(self, shape: Shape, depth: int, chosen: int) -> SearchStrategy[Any]:
        """One branch per anyOf/oneOf/if-then-else group, merged into the rest of the shape."""
        picks = st.tuples(*(st.sampled_from(range(len(g))) for g in shape.choices))
        return picks.flatmap(lambda idx: self.shape(self._combo(shape, idx), depth, chosen + 1))

    def _combo(self, shape: Shape, idx: tuple[int, ...]) -> Shape:
        key = (id(shape), idx)
        found = self.combos.get(key)
        if found is None:
            found = replace(shape, choices=())
            for group, i in zip(shape.choices, idx, strict=True):
                for node in group[i]:
                    found = merge(found, self.shapes.of(node))
            self.combos[key] = found
        return found

    def _plain(self, shape: Shape, depth: int) -> SearchStrategy[Any]:
        if shape.enum is not None:
            return st.sampled_from(shape.enum)  # every value, shrinking to the first
        types = shape.types if shape.types is not None else frozenset(_TYPED)
        if "number" in types:
            types = types - {"integer"}  # number already draws integers
        parts = [
            _TYPED[t](self, shape, depth)  # type: ignore[no-untyped-call]
            for t in sorted(types)
            if t in _TYPED
        ]
        if shape.default is not _NO_DEFAULT and not isinstance(shape.default, (dict, list)):
            parts.append(st.just(shape.default))
        return st.one_of(parts) if parts else st.nothing()

    def objects(self, shape: Shape, depth: int) -> SearchStrategy[dict[str, Any]]:
        if any(not shape.allows(name) for name in shape.required):
            return st.nothing()
        required = {name: self._value(shape, name, depth) for name in shape.required}
        names = [n for n in shape.properties if n not in required and shape.allows(n)]
        deep = depth > self.max_depth
        if deep:
            self.truncated.update(f"property {name!r}" for name in names)
            if shape.pattern_properties or not (shape.properties or shape.closed):
                self.truncated.add("undeclared properties")
        optional = {} if deep else {n: self.nodes(shape.properties[n], depth + 1) for n in names}
        base = self._declared(required, optional)
        extras = [] if deep else self._extras(shape, depth)
        return st.tuples(base, *extras).map(_join) if extras else base

    def _declared(
        self, required: dict[str, SearchStrategy[Any]], optional: dict[str, SearchStrategy[Any]]
    ) -> SearchStrategy[dict[str, Any]]:
        """Required properties always; each optional one present or absent (shrinking to
        absent); a large object draws a bounded subset of its optional properties.
        Keys keep declaration order."""
        if len(optional) <= MAX_OPTIONAL:
            maybe = {name: _maybe(value) for name, value in optional.items()}
            return st.fixed_dictionaries({**required, **maybe}).map(_present)
        names = list(optional)
        order = {name: i for i, name in enumerate(names)}

        def chosen(picked: list[str]) -> SearchStrategy[dict[str, Any]]:
            keep = sorted(picked, key=order.__getitem__)
            return st.fixed_dictionaries({**required, **{n: optional[n] for n in keep}})

        return st.lists(st.sampled_from(names), unique=True, max_size=SUBSET).flatmap(chosen)

    def _value(self, shape: Shape, name: str, depth: int) -> SearchStrategy[Any]:
        """A required property's value; one only `required` names takes what the pattern or
        additional properties allow."""
        if name in shape.properties:
            return self.nodes(shape.properties[name], depth + 1)
        matching = tuple(
            n for p, nodes in shape.pattern_properties.items() if re.search(p, name) for n in nodes
        )
        return self.nodes(matching or shape.additional, depth + 1)

    def _extras(self, shape: Shape, depth: int) -> list[SearchStrategy[dict[str, Any]]]:
        extras = []
        for pattern, nodes in shape.pattern_properties.items():
            keys = regex(pattern).filter(lambda k: k not in shape.properties and shape.allows(k))
            extras.append(st.dictionaries(keys, self.nodes(nodes, depth + 1), max_size=2))
        if not shape.properties and not shape.pattern_properties and not shape.closed:
            keys = st.text(st.characters(codec="utf-8"), max_size=8)
            extras.append(
                st.dictionaries(keys, self.nodes(shape.additional, depth + 1), max_size=3)
            )
        return extras

    def arrays(self, shape: Shape, depth: int) -> SearchStrategy[list[Any]]:
        more = shape.max_items is None or shape.max_items > shape.min_items
        if depth > self.max_depth and more and not shape.no_items:
            self.truncated.add("array items beyond minItems")
        cap = shape.min_items + (MAX_LIST if depth <= self.max_depth else 0)
        top = cap if shape.max_items is None else min(shape.max_items, cap)
        if top < shape.min_items:
            return st.nothing()
        prefix = [self.nodes(nodes, depth + 1) for nodes in shape.prefix[:top]]
        tail_min = max(0, shape.min_items - len(prefix))
        tail_max = 0 if shape.no_items else top - len(prefix)
        element = self.nodes(shape.items, depth + 1) if shape.items is not None else ANY_JSON
        tail = st.lists(
            element,
            min_size=tail_min,
            max_size=max(tail_min, tail_max),
            unique_by=json_key if shape.unique else None,
        )
        if not prefix:
            return tail
        return st.tuples(st.tuples(*prefix), tail).map(_concat)


_TYPED = {
    "null": lambda b, shape, depth: st.none(),
    "boolean": lambda b, shape, depth: st.booleans(),
    "integer": lambda b, shape, depth: integers(shape),
    "number": lambda b, shape, depth: st.one_of(floats(shape), integers(shape, exact=True)),
    "string": lambda b, shape, depth: strings(shape),
    "array": lambda b, shape, depth: b.arrays(shape, depth),
    "object": lambda b, shape, depth: b.objects(shape, depth),
}
assert set(_TYPED) == set(TYPES)


def instance_strategy(
    version: JsonSchemaVersion, max_depth: int = MAX_DEPTH
) -> tuple[SearchStrategy[Any], list[str]]:
    """Instances valid for `version`'s root schema (always objects), checked by its validator,
    and what is not generated below `max_depth` levels of nesting."""
    shape = version.shapes.of(version.node)
    shape = merge(shape, Shape(types=frozenset({"object"})))
    builder = Builder(version.shapes, max_depth)
    raw = builder.shape(shape, 0)

    @st.composite
    def valid(draw: Any) -> Any:
        for _ in range(ATTEMPTS):
            value = draw(raw)
            if version.is_valid(value):
                return value
        assume(False)
        return None  # pragma: no cover - assume(False) raises

    return valid(), sorted(builder.truncated)
