"""Avro schema histories: a random Root record and its evolution (see histories.py).

Every Avro type (null, boolean, int, long, float, double, bytes, string, record, enum, array,
map, union, fixed), every logical type schemafuzz supports (decimal on bytes and on fixed, uuid,
date, time-millis/micros, timestamp-millis/micros, local-timestamp-millis/micros, duration),
nested records, a recursive record through a nullable union, unions of two to four branches
(named types among them; one branch per resolution group, see `_group`), arrays and maps of any
of these, aliases on fields and on named types.

A field's type is a *spec*, a small tuple: `("p", "int")` a primitive, `("l", "date")` a logical
type on its primitive, `("dec", precision, scale)` a decimal on bytes, `("arr", item)`,
`("map", value)`, `("u", (branch, ...))` a union, `("n", key)` a named type. Named types
(`NAMED_KEYS`) live once per version in `Schema.named` and are rendered where first used (a
definition), by name afterwards. Defaults are computed from the spec (a union's from its first
branch, bytes and fixed as strings of code points, a record's as an object of its fields).

Safety: the harness fuzzes every ordered pair of versions, so a step is *safe* only when no pair
of versions can lose data in either direction (see `_step`): adding a field with a default (a
fresh name, never used before in the history), removing a field that had a default in every
version it existed in, reordering fields, union branches or enum symbols, changing a default,
adding a default, removing one where no version lacks the field, adding an alias (field or named
type) without renaming, an enum default when no symbol was added. Everything else is unsafe: a
promotion read backwards is a narrowing, a rename with an alias is safe one way only, an added
enum symbol or union branch is unknown to the older reader (an enum default only turns the loss
into a warning), a decimal's scale or precision and a fixed's size change the value or fail.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from tests.selffuzz.history import NAMES, History

Spec = tuple[Any, ...]
PRIMITIVES = ("null", "boolean", "int", "long", "float", "double", "bytes", "string")
LOGICALS = {
    "date": "int", "time-millis": "int", "time-micros": "long", "timestamp-millis": "long",
    "timestamp-micros": "long", "local-timestamp-millis": "long",
    "local-timestamp-micros": "long", "uuid": "string",
}  # fmt: skip
NAMED_KEYS = ("Colour", "Point", "Node", "Hash", "Money", "Span")
# Retypes of a spec; none is safe both ways (a promotion read backwards is a narrowing, a
# logical type read with another unit or scale changes the value).
RETYPES: dict[Spec, tuple[Spec, ...]] = {
    ("p", "int"): (("p", "long"), ("p", "float"), ("p", "double"), ("p", "string"),
                   ("l", "date"), ("l", "time-millis")),
    ("p", "long"): (("p", "int"), ("p", "float"), ("p", "double"), ("l", "timestamp-millis")),
    ("p", "float"): (("p", "double"), ("p", "int")),
    ("p", "double"): (("p", "float"),),
    ("p", "string"): (("p", "bytes"), ("l", "uuid")),
    ("p", "bytes"): (("p", "string"), ("dec", 6, 2)),
    ("p", "boolean"): (("p", "int"),),
    ("l", "date"): (("p", "int"),),
    ("l", "time-millis"): (("l", "time-micros"), ("p", "int")),
    ("l", "time-micros"): (("l", "time-millis"),),
    ("l", "timestamp-millis"): (("l", "timestamp-micros"), ("l", "local-timestamp-millis"),
                                ("p", "long")),
    ("l", "timestamp-micros"): (("l", "timestamp-millis"),),
    ("l", "local-timestamp-millis"): (("l", "local-timestamp-micros"),),
    ("l", "local-timestamp-micros"): (("l", "local-timestamp-millis"),),
    ("l", "uuid"): (("p", "string"),),
}  # fmt: skip
TYPE_NAMES = ("Alt", "Bis", "Ter", "Quat", "Quin", "Sex", "Sept", "Oct")


class _NoDefault(Exception):
    """The spec has no finite default (a record that holds itself)."""


@dataclass
class AField:
    name: str
    spec: Spec
    default: bool = True  # has a default
    variant: int = 0  # which default value (changed by the "default" step)
    aliases: list[str] = field(default_factory=list)
    born: int = 0  # the version it was added in (0: the first)
    always_default: bool = True  # had a default in every version it existed in


@dataclass
class Named:
    kind: str  # record, enum, fixed
    name: str
    aliases: list[str] = field(default_factory=list)
    fields: list[AField] = field(default_factory=list)  # record
    symbols: list[str] = field(default_factory=list)  # enum
    enum_default: str | None = None  # enum
    size: int = 0  # fixed
    logical: str | None = None  # fixed: decimal or duration
    precision: int = 0
    scale: int = 0


@dataclass
class Schema:
    root: list[AField]
    named: dict[str, Named]

    def record(self, key: str | None) -> list[AField]:
        return self.root if key is None else self.named[key].fields

    # -- rendering ---------------------------------------------------------------------------

    def text(self) -> str:
        defined: set[str] = set()
        fields = [self._field(f, defined) for f in self.root]
        schema = {"type": "record", "name": "Root", "namespace": "fuzzed", "fields": fields}
        return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"

    def used(self) -> set[str]:
        """The named types this version's Root reaches."""
        defined: set[str] = set()
        for f in self.root:
            self._field(f, defined)
        return defined

    def _field(self, f: AField, defined: set[str]) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": f.name, "type": self._type(f.spec, defined)}
        if f.default:
            entry["default"] = self.value(f.spec, f.variant)
        if f.aliases:
            entry["aliases"] = list(f.aliases)
        return entry

    def _type(self, spec: Spec, defined: set[str]) -> Any:
        tag = spec[0]
        if tag == "p":
            return spec[1]
        if tag == "l":
            return {"type": LOGICALS[spec[1]], "logicalType": spec[1]}
        if tag == "dec":
            return {"type": "bytes", "logicalType": "decimal", "precision": spec[1],
                    "scale": spec[2]}  # fmt: skip
        if tag == "arr":
            return {"type": "array", "items": self._type(spec[1], defined)}
        if tag == "map":
            return {"type": "map", "values": self._type(spec[1], defined)}
        if tag == "u":
            return [self._type(branch, defined) for branch in spec[1]]
        named = self.named[spec[1]]
        if spec[1] in defined:  # one definition per name, references afterwards
            return named.name
        defined.add(spec[1])
        out: dict[str, Any] = {"type": named.kind, "name": named.name}
        if named.aliases:
            out["aliases"] = list(named.aliases)
        if named.kind == "record":
            out["fields"] = [self._field(f, defined) for f in named.fields]
        elif named.kind == "enum":
            out["symbols"] = list(named.symbols)
            if named.enum_default is not None:
                out["default"] = named.enum_default
        else:
            out["size"] = named.size
            if named.logical == "decimal":
                out.update(logicalType="decimal", precision=named.precision, scale=named.scale)
            elif named.logical == "duration":
                out["logicalType"] = "duration"
        return out

    # -- defaults ----------------------------------------------------------------------------

    def value(self, spec: Spec, variant: int = 0, stack: tuple[str, ...] = ()) -> Any:
        """A default for `spec`, valid for its type (a union's for its first branch)."""
        tag = spec[0]
        if tag in ("p", "l"):
            return _VALUES[spec[1]][variant % len(_VALUES[spec[1]])]
        if tag == "dec":
            return ("\u0000", "\u0001", "\u00ff")[variant % 3]
        if tag == "arr":
            return [self.value(spec[1], 0, stack)] if variant % 2 else []
        if tag == "map":
            return {"k": self.value(spec[1], 0, stack)} if variant % 2 else {}
        if tag == "u":
            return self.value(spec[1][0], variant, stack)
        key = spec[1]
        named = self.named[key]
        if named.kind == "enum":
            return named.symbols[variant % len(named.symbols)]
        if named.kind == "fixed":
            return ("\u0000", "\u0001")[variant % 2] * named.size
        if key in stack:
            raise _NoDefault(key)
        return {f.name: self.value(f.spec, 0, (*stack, key)) for f in named.fields}


_VALUES: dict[str, tuple[Any, ...]] = {
    "null": (None,), "boolean": (False, True), "int": (0, 1, -7), "long": (0, 1, -7),
    "float": (0.0, 1.5, -2.25), "double": (0.0, 1.5, -2.25), "string": ("", "x", "é"),
    "bytes": ("", "\u00ff", "ab"), "date": (0, 1, -1), "time-millis": (0, 1, 1000),
    "time-micros": (0, 1, 1000), "timestamp-millis": (0, 1, -1), "timestamp-micros": (0, 1, -1),
    "local-timestamp-millis": (0, 1, -1), "local-timestamp-micros": (0, 1, -1),
    "uuid": ("00000000-0000-0000-0000-000000000000", "123e4567-e89b-12d3-a456-426614174000"),
}  # fmt: skip


def _group(spec: Spec) -> str:
    """Union branches of one group could resolve into each other (promotion, string/bytes, the
    same named type): a union keeps at most one branch per group, so that reordering its
    branches stays safe (fastavro picks the reader's *first* matching branch)."""
    tag = spec[0]
    if tag == "p":
        name: str = spec[1]
        return {"int": "num", "long": "num", "float": "num", "double": "num", "string": "text",
                "bytes": "text"}.get(name, name)  # fmt: skip
    if tag == "l":
        return "text" if spec[1] == "uuid" else "num"
    if tag == "dec":
        return "text"
    if tag in ("arr", "map"):
        return str(tag)
    return f"n:{spec[1]}"


def _clash(branch: Spec, branches: list[Spec] | tuple[Spec, ...]) -> bool:
    """Whether `branch` cannot join a union of `branches`."""
    return _group(branch) in {_group(b) for b in branches}


def _max_precision(size: int) -> int:
    return math.floor(math.log10(2 ** (8 * size - 1) - 1))


def _named_types(draw: Any) -> dict[str, Named]:
    symbols = ["RED", "GREEN", "BLUE"][: draw(st.integers(1, 3))]
    enum_default = draw(st.sampled_from([None, *symbols]))
    point = [AField("x", ("p", "double"), True)]
    if draw(st.booleans()):
        point.append(AField("y", ("u", (("p", "null"), ("p", "string"))), draw(st.booleans())))
    node = [AField("value", ("p", "int"), False),
            AField("next", ("u", (("p", "null"), ("n", "Node"))), True)]  # fmt: skip
    money_size = draw(st.integers(2, 16))
    precision = draw(st.integers(1, _max_precision(money_size)))
    return {
        "Colour": Named("enum", "Colour", symbols=symbols, enum_default=enum_default),
        "Point": Named("record", "Point", fields=point),
        "Node": Named("record", "Node", fields=node),
        "Hash": Named("fixed", "Hash", size=draw(st.integers(1, 16))),
        "Money": Named("fixed", "Money", size=money_size, logical="decimal",
                       precision=precision, scale=draw(st.integers(0, precision))),
        "Span": Named("fixed", "Span", size=12, logical="duration"),
    }  # fmt: skip


def _leaf(draw: Any, named: bool = True) -> Spec:
    kinds = ["primitive", "logical", "decimal", *(["named"] if named else [])]
    kind = draw(st.sampled_from(kinds))
    if kind == "primitive":
        return ("p", draw(st.sampled_from(PRIMITIVES)))
    if kind == "logical":
        return ("l", draw(st.sampled_from(list(LOGICALS))))
    if kind == "decimal":
        precision = draw(st.integers(1, 30))
        return ("dec", precision, draw(st.integers(0, precision)))
    return ("n", draw(st.sampled_from(NAMED_KEYS)))


def _union(draw: Any, depth: int) -> Spec:
    """2-4 branches, at most one per group; null often first (an optional field)."""
    branches: list[Spec] = [("p", "null")] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(1, 3))):
        branch = _spec(draw, depth - 1, union=False)
        if not _clash(branch, branches):
            branches.append(branch)
    if len(branches) < 2:
        extra = ("p", "null") if _group(branches[0]) != "null" else ("p", "string")
        branches.append(extra)
    return ("u", tuple(branches))


def _spec(draw: Any, depth: int, union: bool = True) -> Spec:
    kinds = ["leaf", "leaf", "leaf", "leaf"]
    if depth > 0:
        kinds += ["array", "map", *(["union", "union"] if union else [])]
    kind = draw(st.sampled_from(kinds))
    if kind == "leaf":
        return _leaf(draw)
    if kind in ("array", "map"):
        inner = _spec(draw, depth - 1)
        return ("arr" if kind == "array" else "map", inner)
    return _union(draw, depth)


def _retypes(spec: Spec) -> tuple[Spec, ...]:
    if spec in RETYPES:
        return RETYPES[spec]
    if spec[0] == "dec":
        precision, scale = spec[1], spec[2]
        options: list[Spec] = [("dec", precision + 1, scale), ("p", "bytes")]
        if scale < precision:
            options.append(("dec", precision, scale + 1))
        if scale > 0:
            options.append(("dec", precision, scale - 1))
        return tuple(options)
    if spec[0] in ("arr", "map"):
        return tuple((spec[0], inner) for inner in _retypes(spec[1]))
    return ()


def _union_of(spec: Spec) -> Spec:
    """The union at the top of `spec` or as its array item / map value; () if none."""
    if spec[0] == "u":
        return spec
    if spec[0] in ("arr", "map") and spec[1][0] == "u":
        return tuple(spec[1])
    return ()


def _applies(op: str, fields: list[AField], target: AField, free: bool) -> bool:
    if op in ("add", "rename", "alias", "field-alias"):
        return free
    if op in ("reorder", "remove"):
        return len(fields) > 1
    if op == "retype":
        return bool(_retypes(target.spec))
    if op == "default":
        return target.default
    if op in ("union-reorder", "union-add"):
        return bool(_union_of(target.spec))
    return True


def _replace_union(spec: Spec, new: Spec) -> Spec:
    return new if spec[0] == "u" else (spec[0], new)


FIELD_OPS = ("add", "add", "remove", "reorder", "rename", "alias", "field-alias", "retype",
             "retype", "default", "default-toggle", "union-reorder", "union-add")  # fmt: skip


@st.composite
def avro_histories(draw: Any) -> History:
    names = list(NAMES)
    count = draw(st.integers(1, 4))
    chosen = draw(st.lists(st.sampled_from(names), min_size=count, max_size=count, unique=True))
    schema = Schema(
        [
            AField(n, _spec(draw, draw(st.sampled_from([1, 1, 2]))), draw(st.booleans()))
            for n in chosen
        ],
        _named_types(draw),
    )
    for f in schema.root:
        f.always_default = f.default
    for named in schema.named.values():
        for f in named.fields:
            f.always_default = f.default
    used_names = set(chosen) | {"x", "y", "value", "next"}
    type_names = set(NAMED_KEYS)
    versions = [schema.text()]
    safe, steps = True, []
    for version in range(1, draw(st.integers(2, 5))):
        candidate = copy.deepcopy(schema)
        ok, done = _step(draw, candidate, version, used_names, type_names)
        try:
            versions.append(candidate.text())
            schema = candidate
        except _NoDefault:  # a default would be a record holding itself: skip the step
            versions.append(schema.text())
            ok, done = True, "none"
        steps.append(done)
        safe = safe and ok
    config = 'format = "avro"\nroot = "fuzzed.Root"\nencodings = ["avro-binary", "avro-json"]\n'
    return History("avro", [{"root.avsc": v} for v in versions], config, safe, steps)


def _step(
    draw: Any, schema: Schema, version: int, used_names: set[str], type_names: set[str]
) -> tuple[bool, str]:
    """Apply one random evolution step to `schema`: (safe both ways, what was done)."""
    used = schema.used()
    if draw(st.integers(0, 3)) == 0 and used:
        return _named_step(draw, schema, used, type_names)
    records = sorted(k for k in used if schema.named[k].kind == "record")
    key = draw(st.sampled_from(records)) if records and draw(st.integers(0, 2)) == 0 else None
    fields = schema.record(key)
    target = draw(st.sampled_from(fields))
    free = [n for n in NAMES if n not in used_names]
    ops = [op for op in FIELD_OPS if _applies(op, fields, target, bool(free))]
    if not ops:
        return True, "none"
    op = draw(st.sampled_from(ops))
    if op == "add":
        name = draw(st.sampled_from(free))
        used_names.add(name)
        spec = _spec(draw, 1) if key is None else _leaf(draw, named=False)
        with_default = draw(st.integers(0, 3)) > 0
        fields.insert(draw(st.integers(0, len(fields))),
                      AField(name, spec, with_default, born=version,
                             always_default=with_default))  # fmt: skip
        return with_default, "add" if with_default else "add-required"
    if op == "reorder":
        fields[:] = draw(st.permutations(fields))
        return True, op
    if op == "remove":
        fields.remove(target)
        # Safe only when every version with the field can fill it in when a writer lacks it.
        return target.always_default, op
    if op in ("rename", "alias", "field-alias"):
        name = draw(st.sampled_from(free))
        used_names.add(name)
        if op == "field-alias":  # an extra alias, the name stays: safe
            target.aliases.append(name)
            return True, op
        old, target.name = target.name, name
        if op == "alias":  # safe one way only: the old reader does not know the new name
            target.aliases.append(old)
        return False, op
    if op == "retype":
        # Never safe both ways: a promotion read backwards is a narrowing.
        target.spec = draw(st.sampled_from(_retypes(target.spec)))
        return False, op
    if op == "default":
        target.variant += 1
        return True, op  # used only by a reader whose writer lacks the field: info
    if op == "default-toggle":
        target.default = not target.default
        if not target.default:
            target.always_default = False
            # A reader without a default fails only on a writer lacking the field: safe when
            # every version so far has it (a later removal is then unsafe: always_default).
            return target.born == 0, "default-drop"
        if not _defaultable(schema, target):
            return True, "none"
        return True, "default-add"
    union = _union_of(target.spec)
    if op == "union-reorder":
        order = draw(st.permutations(union[1]))
        before = target.spec
        target.spec = _replace_union(target.spec, ("u", tuple(order)))
        if target.default and not _defaultable(schema, target):
            target.spec = before  # the first branch would be a record holding itself
            return True, "none"
        return True, op
    if op == "union-add":
        branch = _leaf(draw)
        if _clash(branch, union[1]):
            return True, "none"
        branches = list(union[1])
        branches.insert(draw(st.integers(1, len(branches))), branch)
        target.spec = _replace_union(target.spec, ("u", tuple(branches)))
        return False, op  # the older reader does not know the new branch
    return True, "none"


def _defaultable(schema: Schema, target: AField) -> bool:
    try:
        schema.value(target.spec, target.variant)
    except _NoDefault:
        return False
    return True


def _named_ops(named: Named, free: bool) -> list[str]:
    ops = ["type-alias", "type-rename"] if free else []
    if named.kind == "enum":
        ops += ["enum-add", "enum-default", *(["enum-reorder"] if len(named.symbols) > 1 else [])]
    elif named.kind == "fixed" and named.logical != "duration":
        ops.append("decimal" if named.logical == "decimal" else "fixed-size")
    return ops


def _named_step(
    draw: Any, schema: Schema, used: set[str], type_names: set[str]
) -> tuple[bool, str]:
    free = [n for n in TYPE_NAMES if n not in type_names]
    choices = [(k, op) for k in sorted(used) for op in _named_ops(schema.named[k], bool(free))]
    own = [c for c in choices if not c[1].startswith("type-")]
    if own and draw(st.booleans()):  # a step of the type's own kind, else an alias or rename
        choices = own
    if not choices:
        return True, "none"
    key, op = draw(st.sampled_from(choices))
    named = schema.named[key]
    if op in ("type-alias", "type-rename"):
        name = draw(st.sampled_from(free))
        type_names.add(name)
        if op == "type-alias":  # an extra alias, the name stays: safe
            named.aliases.append(name)
            return True, op
        named.aliases.append(named.name)
        named.name = name
        return False, op  # the old reader does not know the new name
    if named.kind == "enum":
        if op == "enum-add":
            named.symbols.append(f"C{len(named.symbols)}")
            # Unknown to the older reader: its enum default (a warning) or a decode error.
            return False, op
        if op == "enum-default":
            named.enum_default = draw(st.sampled_from([None, *named.symbols]))
            return True, op  # used only for symbols the reader lacks: none was added
        if op == "enum-reorder":
            named.symbols[:] = draw(st.permutations(named.symbols))
            return True, op  # resolved by symbol name
    if op == "fixed-size":
        named.size += draw(st.sampled_from([1, -1])) if named.size > 1 else 1
        return False, op
    if op == "decimal":
        if draw(st.booleans()) and named.precision < _max_precision(named.size):
            named.precision += 1
        elif named.scale < named.precision:
            named.scale += 1
        elif named.scale > 0:
            named.scale -= 1
        else:
            return True, "none"
        return False, op
    return True, "none"
