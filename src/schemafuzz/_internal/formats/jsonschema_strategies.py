"""JSON Schema instance generators, by construction from a version's shapes.

Generators run on a `sampling.Source` (fast random draws for discovery, Hypothesis draws for
shrinking and users' strategies); regexes, string formats and free-form JSON are drawn from
Hypothesis strategies as they are.

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
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

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
from schemafuzz._internal.sampling import Generator as Gen
from schemafuzz._internal.sampling import Sampler, Source, pick

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
_WIDE = 2**72  # integers drawn where a schema sets no bound

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


def integers(shape: Shape, exact: bool = False) -> Gen | None:
    """Integers within the bounds and steps, a third of them at the bounds (± 1), a third at
    other edges; `exact`: only those a double holds exactly, as a writer whose schema says
    "number" (a double in most languages) can send. None: no integer fits."""
    low, high = _int_bounds(shape)
    if low is not None and high is not None and low > high:
        return None
    step = _int_step(shape)

    def fits(v: int) -> bool:
        return in_bounds(shape, v) and v % step == 0 and (_exact(v) or not exact)

    near = sorted({b + d for b in (low, high) if b is not None for d in (0, 1, -1)}, key=abs)
    edges = sorted({v for v in _EDGE_INTS if fits(v)}, key=abs)
    k_low = -(-low // step) if low is not None else -(_WIDE // step)
    k_high = high // step if high is not None else _WIDE // step
    if exact:
        k_low = max(k_low, -(2**53) // step)
        k_high = min(k_high, 2**53 // step)
    general = None
    if k_low <= k_high:
        lo, hi = k_low, k_high
        general = lambda s: s.integer(lo, hi) * step  # noqa: E731
    return _weighted([v for v in near if fits(v)], edges, general)


def _weighted(near: list[Any], edges: list[Any], *general: Gen | None) -> Gen | None:
    """One of: a value at a bound, another edge value, each general generator."""
    parts: list[Gen] = [pick(values) for values in (near, edges) if values]
    parts.extend(g for g in general if g is not None)
    return _one_of(parts)


def _one_of(parts: Sequence[Gen | None]) -> Gen | None:
    """One of `parts` (shrinking towards the first); None parts can make nothing."""
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    last = len(kept) - 1
    return lambda s: kept[s.integer(0, last)](s)


def _filtered(generate: Gen, keep: Callable[[Any], bool]) -> Gen:
    """`generate` until `keep` holds, three tries, then the example is rejected."""

    def generate_kept(s: Source) -> Any:
        for _ in range(3):
            value = generate(s)
            if keep(value):
                return value
        return s.reject()

    return generate_kept


def floats(shape: Shape) -> Gen | None:
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
        lo = -_WIDE if low is None else math.ceil(low / multiple)
        hi = _WIDE if high is None else math.floor(high / multiple)
        if lo > hi:
            return None
        return lambda s: float(s.integer(lo, hi) * multiple)
    if low is not None and high is not None and low >= high:
        return _weighted(near, edges, None)

    def general(s: Source) -> float:
        value = s.floating(64)
        if not math.isfinite(value):
            value = 0.0
        return value if in_bounds(shape, value) else _into(shape, value, near)

    return _weighted(near, edges, _decimals(shape, low, high), general)


def _into(shape: Shape, value: float, near: list[float]) -> float:
    """An out-of-bounds float moved to the nearest value within the bounds."""
    inside = [v for v in near if in_bounds(shape, v)]
    return min(inside, key=lambda v: abs(v - value)) if inside else 0.0


def _decimals(shape: Shape, low: int | float | None, high: int | float | None) -> Gen | None:
    """Readings with two decimals within the bounds (or within ±10^6)."""
    lo = -(10**8) if low is None or low < -1e6 else math.ceil(low * 100)
    hi = 10**8 if high is None or high > 1e6 else math.floor(high * 100)
    if lo > hi:
        return None
    return _filtered(lambda s: s.integer(lo, hi) / 100, lambda v: in_bounds(shape, v))


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


def strings(shape: Shape) -> Gen | None:
    known = _FORMATS.get(shape.format or "")
    if known is not None or shape.patterns:
        base = known if known is not None else regex(shape.patterns[0])
        rest = shape.patterns if known is not None else shape.patterns[1:]
        generate = _drawn(base)
        if rest:
            generate = _filtered(generate, lambda t: all(re.search(p, t) for p in rest))
        if shape.min_length or shape.max_length is not None:
            generate = _filtered(generate, lambda t: _length_ok(shape, t))
        return generate
    top = shape.min_length + 40 if shape.max_length is None else shape.max_length
    top = min(top, shape.min_length + 40)
    if top < shape.min_length:
        return None
    least = shape.min_length

    def general(s: Source) -> str:
        text = s.text(top)
        return text + "x" * (least - len(text)) if len(text) < least else text

    edges = [t for t in _EDGE_STRINGS if _length_ok(shape, t)]
    if shape.min_length > 1:
        edges.append("\U0001f600" * shape.min_length)
    return _one_of([pick(edges), general]) if edges else general


# ---------------------------------------------------------------------------------------------
# Objects, arrays, choices


def _any_json(s: Source) -> Any:
    return s.strategy(ANY_JSON)


def _fixed(value: Any) -> Gen:
    return lambda s: value


def _drawn(strategy: SearchStrategy[Any]) -> Gen:
    """A value drawn from a Hypothesis strategy as it is (regexes, formats)."""
    return lambda s: s.strategy(strategy)


class Builder:
    """Generators per (shape, depth), memoised, built once per version from its shapes; None
    where no instance can be built (Hypothesis's `nothing()`)."""

    def __init__(self, shapes: Shapes, max_depth: int = MAX_DEPTH) -> None:
        self.shapes = shapes
        self.max_depth = max_depth
        self.truncated: set[str] = set()  # what is not generated below max_depth
        self.memo: dict[tuple[int, int], tuple[Shape, Gen | None]] = {}
        self.combos: dict[tuple[int, tuple[int, ...]], Shape] = {}

    def nodes(self, nodes: tuple[Node, ...], depth: int) -> Gen | None:
        if not nodes:
            return _any_json
        return self.shape(self.shapes.all(nodes), depth)

    def shape(self, shape: Shape, depth: int, chosen: int = 0) -> Gen | None:
        key = (id(shape), depth)
        entry = self.memo.get(key)
        if entry is not None:
            return entry[1]
        found: Gen | None
        if shape.never or depth > HARD_DEPTH or chosen > MAX_CHOICES:
            found = None
        elif shape.choices:
            found = self._choose(shape, depth, chosen)
        else:
            found = self._plain(shape, depth)
        self.memo[key] = (shape, found)  # the shape stays alive, so its id is never reused
        return found

    def _choose(self, shape: Shape, depth: int, chosen: int) -> Gen:
        """One branch per anyOf/oneOf/if-then-else group, merged into the rest of the shape
        (built when first drawn: a recursive branch is built only as deep as it is drawn)."""
        lasts = [len(group) - 1 for group in shape.choices]

        def generate(s: Source) -> Any:
            idx = tuple(s.integer(0, last) for last in lasts)
            branch = self.shape(self._combo(shape, idx), depth, chosen + 1)
            return branch(s) if branch is not None else s.reject()

        return generate

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

    def _plain(self, shape: Shape, depth: int) -> Gen | None:
        if shape.enum is not None:
            return pick(shape.enum) if shape.enum else None  # every value, shrinking to the first
        types = shape.types if shape.types is not None else frozenset(_TYPED)
        if "number" in types:
            types = types - {"integer"}  # number already draws integers
        parts = [
            _TYPED[t](self, shape, depth)  # type: ignore[no-untyped-call]
            for t in sorted(types)
            if t in _TYPED
        ]
        if shape.default is not _NO_DEFAULT and not isinstance(shape.default, (dict, list)):
            parts.append(_fixed(shape.default))
        return _one_of(parts)

    def objects(self, shape: Shape, depth: int) -> Gen | None:
        if any(not shape.allows(name) for name in shape.required):
            return None
        required = {name: self._value(shape, name, depth) for name in shape.required}
        if any(value is None for value in required.values()):
            return None
        names = [n for n in shape.properties if n not in required and shape.allows(n)]
        deep = depth > self.max_depth
        if deep:
            self.truncated.update(f"property {name!r}" for name in names)
            if shape.pattern_properties or not (shape.properties or shape.closed):
                self.truncated.add("undeclared properties")
        optional = {} if deep else {n: self.nodes(shape.properties[n], depth + 1) for n in names}
        base = self._declared(
            {n: g for n, g in required.items() if g is not None},
            {n: g for n, g in optional.items() if g is not None},
        )
        extras = [] if deep else self._extras(shape, depth)
        if not extras:
            return base

        def generate(s: Source) -> dict[str, Any]:
            out: dict[str, Any] = base(s)  # declared properties first, then pattern/free ones
            for extra in extras:
                for key, value in extra(s).items():
                    out.setdefault(key, value)
            return out

        return generate

    def _declared(self, required: dict[str, Gen], optional: dict[str, Gen]) -> Gen:
        """Required properties always; each optional one present three times in four
        (shrinking to absent); a large object draws a bounded subset of its optional
        properties. Keys keep declaration order."""
        if len(optional) <= MAX_OPTIONAL:
            fields = [(name, gen, name not in required) for name, gen in
                      {**required, **optional}.items()]  # fmt: skip

            def generate(s: Source) -> dict[str, Any]:
                out = {}
                for name, gen, maybe in fields:
                    if not maybe or s.integer(0, 3):
                        out[name] = gen(s)
                return out

            return generate
        names = list(optional)
        last = len(names) - 1

        def generate_subset(s: Source) -> dict[str, Any]:
            picked = {names[s.integer(0, last)] for _ in range(s.integer(0, SUBSET))}
            out = {name: gen(s) for name, gen in required.items()}
            out.update((name, optional[name](s)) for name in names if name in picked)
            return out

        return generate_subset

    def _value(self, shape: Shape, name: str, depth: int) -> Gen | None:
        """A required property's value; one only `required` names takes what the pattern or
        additional properties allow."""
        if name in shape.properties:
            return self.nodes(shape.properties[name], depth + 1)
        matching = tuple(
            n for p, nodes in shape.pattern_properties.items() if re.search(p, name) for n in nodes
        )
        return self.nodes(matching or shape.additional, depth + 1)

    def _extras(self, shape: Shape, depth: int) -> list[Callable[[Source], dict[str, Any]]]:
        extras = []
        for pattern, nodes in shape.pattern_properties.items():
            keys = regex(pattern)
            value = self.nodes(nodes, depth + 1)
            if value is not None:
                key = _filtered(
                    _drawn(keys), lambda k: k not in shape.properties and shape.allows(k)
                )
                extras.append(_entries(key, value, 2))
        if not shape.properties and not shape.pattern_properties and not shape.closed:
            value = self.nodes(shape.additional, depth + 1)
            if value is not None:
                extras.append(_entries(lambda s: s.text(8), value, 3))
        return extras

    def arrays(self, shape: Shape, depth: int) -> Gen | None:
        more = shape.max_items is None or shape.max_items > shape.min_items
        if depth > self.max_depth and more and not shape.no_items:
            self.truncated.add("array items beyond minItems")
        cap = shape.min_items + (MAX_LIST if depth <= self.max_depth else 0)
        top = cap if shape.max_items is None else min(shape.max_items, cap)
        if top < shape.min_items:
            return None
        prefix = [self.nodes(nodes, depth + 1) for nodes in shape.prefix[:top]]
        if any(p is None for p in prefix):
            return None
        tail_min = max(0, shape.min_items - len(prefix))
        tail_max = max(tail_min, 0 if shape.no_items else top - len(prefix))
        element = self.nodes(shape.items, depth + 1) if shape.items is not None else _any_json
        if element is None:
            if tail_min:
                return None
            tail_max = 0
        firsts: list[Gen] = [p for p in prefix if p is not None]
        unique = shape.unique

        def generate(s: Source) -> list[Any]:
            out = [first(s) for first in firsts]
            count = s.integer(tail_min, tail_max)
            seen = {json_key(v) for v in out} if unique else set()
            for _ in range(count):
                value = element(s)  # type: ignore[misc]
                if unique:
                    key = json_key(value)
                    if key in seen:
                        continue
                    seen.add(key)
                out.append(value)
            if len(out) < shape.min_items:  # duplicates dropped below minItems
                return s.reject()
            return out

        return generate


def _entries(key: Gen, value: Gen, most: int) -> Callable[[Source], dict[str, Any]]:
    """Up to `most` extra properties (a later key already drawn is skipped)."""

    def generate(s: Source) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for _ in range(s.integer(0, most)):
            name = key(s)
            item = value(s)
            out.setdefault(name, item)
        return out

    return generate


def _number(b: Builder, shape: Shape, depth: int) -> Gen | None:
    return _one_of([floats(shape), integers(shape, exact=True)])


_TYPED = {
    "null": lambda b, shape, depth: _fixed(None),
    "boolean": lambda b, shape, depth: lambda s: s.boolean(),
    "integer": lambda b, shape, depth: integers(shape),
    "number": _number,
    "string": lambda b, shape, depth: strings(shape),
    "array": lambda b, shape, depth: b.arrays(shape, depth),
    "object": lambda b, shape, depth: b.objects(shape, depth),
}
assert set(_TYPED) == set(TYPES)


def instance_sampler(version: JsonSchemaVersion, max_depth: int = MAX_DEPTH) -> Sampler:
    """Instances valid for `version`'s root schema (always objects), checked by its validator:
    fast random draws and a Hypothesis strategy (`sampling.Sampler`); `Sampler.truncated` names
    what is not generated below `max_depth` levels of nesting."""
    shape = version.shapes.of(version.node)
    shape = merge(shape, Shape(types=frozenset({"object"})))
    builder = Builder(version.shapes, max_depth)
    raw = builder.shape(shape, 0)
    is_valid = version.is_valid

    def valid(s: Source) -> Any:
        if raw is None:
            return s.reject()
        for _ in range(ATTEMPTS):
            value = raw(s)
            if is_valid(value):
                return value
        return s.reject()

    return Sampler(valid, builder.truncated)
