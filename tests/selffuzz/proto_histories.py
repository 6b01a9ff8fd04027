"""Protobuf schema histories: a random Root message and its evolution (see histories.py).

A history has one syntax for all its versions: proto3, proto2 or editions (`edition = "2023"`).
Enum `Mode` is open in proto3, closed in proto2, and open or closed in editions
(`features.enum_type`, on the enum or the file). proto2 and editions fields with explicit
presence may carry a `[default = ...]`; proto2 and editions histories may have one `required`
field (`features.field_presence = LEGACY_REQUIRED` in editions) that no step ever touches.

Safe steps (a history of only these must give no error finding): add a field with a fresh number
(also as a new member of an existing oneof), reorder declarations, switch a repeated numeric
field between packed and expanded encoding (every parser accepts both). Everything else is
unsafe: remove, rename, renumber, retype, move into a oneof, add an enum value (open enums lose
it through JSON, closed enums move it to unknown fields), change a default, flip a field's
presence, open or close the enum.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import strategies as st

from tests.selffuzz.history import NAMES, History

PROTO_SCALARS = ("int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64",
                 "sfixed32", "sfixed64", "bool", "string", "bytes", "float", "double")  # fmt: skip
PROTO_RETYPES = {
    "int32": ("int64", "uint32", "sint32", "bool", "Mode"), "int64": ("int32", "uint64", "double"),
    "uint32": ("int32", "uint64", "fixed32"), "sint32": ("sint64", "int32"),
    "float": ("double", "int32"), "double": ("float", "int64"), "string": ("bytes",),
    "bytes": ("string",), "bool": ("int32", "uint32"), "fixed32": ("uint32", "sfixed32"),
    "Mode": ("int32", "uint32"),
}  # fmt: skip
SYNTAXES = ("proto3", "proto2", "editions")
MAPS = ("map<string, int32>", "map<int32, Mode>")
_I32 = ("60", "0", "-1", "0x7f", "-2147483648", "2147483647")
_I64 = ("60", "0", "-1", "-9223372036854775808", "9223372036854775807")
_U32 = ("60", "0", "4294967295")
_U64 = ("60", "0", "18446744073709551615")
_FLOAT = ("0.5", "-2.25", "1e10", "0", "-0.0", "inf", "-inf", "nan")
# proto2 / editions `[default = ...]` literals per scalar type (enum defaults are value names)
DEFAULTS: dict[str, tuple[str, ...]] = {
    "int32": _I32, "sint32": _I32, "sfixed32": _I32, "int64": _I64, "sint64": _I64,
    "sfixed64": _I64, "uint32": _U32, "fixed32": _U32, "uint64": _U64, "fixed64": _U64,
    "float": _FLOAT, "double": _FLOAT, "bool": ("true", "false"),
    "string": ('"sensor"', '""', '"h\\"i\\t\u00e9"'),
    "bytes": ('"sensor"', '""', '"\\001\\377"'),
}  # fmt: skip
MESSAGES = ("Sub", "Node")
UNPACKABLE = ("string", "bytes", *MESSAGES)
REQUIRED = "ident"  # not in NAMES: no step renames a field to it


@dataclass
class PField:
    name: str
    number: int
    type: str  # a scalar, "Mode", "Sub", "Node", a map (MAPS)
    label: str = ""  # "" (implicit presence), "optional" (explicit), "repeated", "required"
    oneof: str | None = None
    default: str | None = None  # a `[default = ...]` literal (proto2, editions)
    packed: bool | None = None  # repeated numeric fields: an explicit packed/expanded option


@dataclass
class ProtoSchema:
    fields: list[PField]
    modes: list[str]  # enum Mode values after the zero value
    reserved: list[int] = field(default_factory=list)
    reserved_names: list[str] = field(default_factory=list)
    syntax: str = "proto3"  # "proto3", "proto2", "editions"
    closed: bool = False  # enum Mode is closed (always in proto2, never in proto3)
    closed_in_file: bool = False  # editions: `features.enum_type = CLOSED` on the file
    sub_default: str | None = None  # a default on Sub.a (proto2, editions)

    def text(self) -> str:
        if self.syntax == "editions":
            lines = ['edition = "2023";', "package fuzzed;"]
            if self.closed and self.closed_in_file:
                lines.append("option features.enum_type = CLOSED;")
        else:
            lines = [f'syntax = "{self.syntax}";', "package fuzzed;"]
        lines += ["", "enum Mode {"]
        if self.syntax == "editions" and self.closed and not self.closed_in_file:
            lines.append("  option features.enum_type = CLOSED;")
        lines.append("  MODE_UNSET = 0;")
        lines += [f"  {name} = {i};" for i, name in enumerate(self.modes, start=1)]
        opt = "optional " if self.syntax == "proto2" else ""
        sub_default = f" [default = {self.sub_default}]" if self.sub_default else ""
        lines += ["}", "", "message Sub {", f"  {opt}int32 a = 1{sub_default};"]
        lines += [f"  {opt}string b = 2;", f"  {opt}Mode c = 3;", "}", ""]
        lines += ["message Node {", f"  {opt}int32 value = 1;", f"  {opt}Node next = 2;", "}", ""]
        lines += ["message Root {"]
        if self.reserved:
            lines.append(f"  reserved {', '.join(str(n) for n in sorted(set(self.reserved)))};")
        if self.reserved_names:
            quote = str if self.syntax == "editions" else json.dumps  # editions: identifiers
            names = ", ".join(quote(n) for n in sorted(set(self.reserved_names)))
            lines.append(f"  reserved {names};")
        oneofs: dict[str, list[PField]] = {}
        for f in self.fields:
            if f.oneof:
                oneofs.setdefault(f.oneof, []).append(f)
                continue
            lines.append(f"  {self._field(f, member=False)}")
        for name, members in oneofs.items():
            lines.append(f"  oneof {name} {{")
            lines += [f"    {self._field(m, member=True)}" for m in members]
            lines.append("  }")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _field(self, f: PField, member: bool) -> str:
        options = []
        if member or f.type.startswith("map<"):
            label = ""
        elif f.label == "repeated":
            label = "repeated"
            if f.packed is not None:
                if self.syntax == "editions":
                    encoding = "PACKED" if f.packed else "EXPANDED"
                    options.append(f"features.repeated_field_encoding = {encoding}")
                else:
                    options.append(f"packed = {str(f.packed).lower()}")
        elif self.syntax == "proto2":
            label = "required" if f.label == "required" else "optional"
        elif self.syntax == "proto3":
            label = f.label
        else:  # editions: presence is a feature, explicit by default
            label = ""
            if f.label == "required":
                options.append("features.field_presence = LEGACY_REQUIRED")
            elif f.label == "" and f.type not in MESSAGES:
                options.append("features.field_presence = IMPLICIT")
        if f.default is not None:
            options.append(f"default = {f.default}")
        prefix = f"{label} " if label else ""
        suffix = f" [{', '.join(options)}]" if options else ""
        return f"{prefix}{f.type} {f.name} = {f.number}{suffix};"


def _default_ok(s: ProtoSchema, f: PField, value: str) -> bool:
    if f.type == "Mode":
        return value == "MODE_UNSET" or value in s.modes
    return value in DEFAULTS.get(f.type, ())


def _defaults(s: ProtoSchema, f: PField) -> list[str]:
    """The default literals `f` could carry now: none where the syntax or presence forbids."""
    if s.syntax == "proto3" or f.label != "optional" or f.type.startswith("map<"):
        return []
    if f.type == "Mode":
        return ["MODE_UNSET", *s.modes]
    return list(DEFAULTS.get(f.type, ()))


def _normalize(s: ProtoSchema) -> ProtoSchema:
    """Keep every field valid for its syntax after a step."""
    for f in s.fields:
        singular = f.label in ("", "optional") and not f.type.startswith("map<")
        if singular and s.syntax == "proto2":
            f.label = "optional"  # proto2 has no implicit presence
        if singular and f.label == "" and f.type == "Mode" and s.closed:
            f.label = "optional"  # editions: implicit presence needs an open enum
        if f.label != "repeated" or f.type in UNPACKABLE:
            f.packed = None
        if f.default is not None and not (
            f.default in _defaults(s, f) and _default_ok(s, f, f.default)
        ):
            f.default = None
    return s


def _proto_type(draw: Any) -> tuple[str, str]:
    kind = draw(st.sampled_from(["scalar"] * 6 + ["enum", "sub", "node", "map", "repeated"]))
    if kind == "scalar":
        return draw(st.sampled_from(PROTO_SCALARS)), draw(st.sampled_from(["", "", "optional"]))
    if kind == "enum":
        return "Mode", draw(st.sampled_from(["", "optional"]))
    if kind == "sub":
        return "Sub", ""
    if kind == "node":
        return "Node", ""  # recursive: generated to a bounded depth
    if kind == "map":
        return draw(st.sampled_from(MAPS)), ""
    return draw(st.sampled_from(["int32", "string", "Sub", "double", "Mode"])), "repeated"


def _new_field(draw: Any, s: ProtoSchema, name: str, number: int) -> PField:
    type_, label = _proto_type(draw)
    f = PField(name, number, type_, label)
    _normalize(replace(s, fields=[f]))  # the label the syntax allows
    choices = _defaults(s, f)
    if choices and draw(st.booleans()):
        f.default = draw(st.sampled_from(choices))
    if f.label == "repeated" and f.type not in UNPACKABLE and draw(st.integers(0, 3)) == 0:
        f.packed = draw(st.booleans())
    return f


@st.composite
def proto_histories(draw: Any) -> History:
    syntax = draw(st.sampled_from(SYNTAXES))
    closed = syntax == "proto2" or (syntax == "editions" and draw(st.booleans()))
    schema = ProtoSchema([], ["MODE_A", "MODE_B"][: draw(st.integers(0, 2))], syntax=syntax)
    schema.closed = closed
    schema.closed_in_file = syntax == "editions" and closed and draw(st.booleans())
    if syntax != "proto3" and draw(st.booleans()):
        schema.sub_default = draw(st.sampled_from(_I32))
    count = draw(st.integers(1, 8))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=count, max_size=count, unique=True))
    for i, name in enumerate(names, start=1):
        schema.fields.append(_new_field(draw, schema, name, i))
    singles = [f for f in schema.fields if _single(f)]
    if singles and draw(st.integers(0, 3)) == 0:
        for f in draw(st.lists(st.sampled_from(singles), min_size=1, max_size=3, unique_by=id)):
            f.oneof = "choice"
    if syntax != "proto3" and draw(st.integers(0, 3)) == 0:
        type_ = draw(st.sampled_from(["int32", "string"]))
        schema.fields.insert(0, PField(REQUIRED, count + 1, type_, "required"))  # never evolved
    versions = [_normalize(schema)]
    safe = True
    steps: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        schema, step, ok = _proto_step(draw, _copy_proto(schema))
        versions.append(_normalize(schema))
        steps.append(step)
        safe = safe and ok
    config = (
        'format = "proto"\nroot = "fuzzed.Root"\nencodings = ["proto-binary", "proto-json"]\n'
        'proto_json_unknown = "ignore"\n'
    )
    return History("proto", [{"root.proto": v.text()} for v in versions], config, safe, steps)


def _copy_proto(schema: ProtoSchema) -> ProtoSchema:
    return replace(
        schema,
        fields=[replace(f) for f in schema.fields],
        modes=list(schema.modes),
        reserved=list(schema.reserved),
        reserved_names=list(schema.reserved_names),
    )


def _single(f: PField) -> bool:
    return f.label in ("", "optional") and not f.type.startswith("map<")


def _proto_step(draw: Any, s: ProtoSchema) -> tuple[ProtoSchema, str, bool]:
    used = {f.number for f in s.fields} | set(s.reserved)
    taken = {f.name for f in s.fields} | set(s.reserved_names)
    free = [n for n in NAMES if n not in taken]
    evolvable = [f for f in s.fields if f.label != "required"]  # required: never evolved
    targets = {
        "remove": evolvable,
        "rename": evolvable if free else [],
        "renumber": evolvable,
        "retype": [f for f in evolvable if f.type in PROTO_RETYPES and not f.oneof],
        "oneof": [f for f in evolvable if _single(f) and not f.oneof],
        "pack": [f for f in evolvable if f.label == "repeated" and f.type not in UNPACKABLE],
        "presence": [
            f
            for f in evolvable
            if s.syntax != "proto2"
            and _single(f)
            and not f.oneof
            and f.type not in MESSAGES
            and not (f.type == "Mode" and s.closed)  # closed enum fields: explicit presence
        ],
        "default": [f for f in evolvable if _defaults(s, f)],
    }
    ops = ["add"] * 3 if free else []
    ops += ["reorder", "enum"] + ["close"] * (s.syntax == "editions")
    ops += [op for op, fields in targets.items() if fields]
    op = draw(st.sampled_from(ops))
    if op == "add":
        new = _new_field(draw, s, draw(st.sampled_from(free)), max(used, default=0) + 1)
        oneofs = sorted({f.oneof for f in s.fields if f.oneof})
        if oneofs and _single(new) and draw(st.booleans()):
            new.oneof = oneofs[0]  # a new member of an existing oneof: still a fresh number
            s.fields.append(new)
            return s, "add-to-oneof", True
        s.fields.append(new)
        return s, "add", True
    if op == "reorder":
        s.fields = draw(st.permutations(s.fields))
        return s, "reorder", True
    if op == "enum":
        s.modes.append(f"MODE_{len(s.modes) + 10}")
        # open: an old JSON reader drops the unknown name; closed: unknown fields (error)
        return s, "enum-closed" if s.closed else "enum", False
    if op == "close":
        s.closed = not s.closed
        s.closed_in_file = s.closed and draw(st.booleans())
        return s, "close-enum" if s.closed else "open-enum", False
    target = draw(st.sampled_from(targets[op]))
    if op == "remove":
        s.fields.remove(target)
        s.reserved.append(target.number)
        s.reserved_names.append(target.name)
    elif op == "rename":
        target.name = draw(st.sampled_from(free))
    elif op == "renumber":
        target.number = max(used) + 1
    elif op == "retype":
        target.type = draw(st.sampled_from(PROTO_RETYPES[target.type]))
        if target.type == "bool" and target.label == "repeated":
            target.label = ""
        if target.default is not None and not _default_ok(s, target, target.default):
            redrawn: list[str | None] = [*_defaults(s, target)] or [None]
            target.default = draw(st.sampled_from(redrawn))  # a literal of the new type
    elif op == "oneof":
        target.oneof = "choice"
    elif op == "pack":  # every parser accepts both encodings of a repeated numeric field
        packed_by_default = s.syntax != "proto2"
        target.packed = not (packed_by_default if target.packed is None else target.packed)
        return s, "pack" if target.packed else "expand", True
    elif op == "presence":
        target.label = "" if target.label == "optional" else "optional"
    elif op == "default":
        options: list[str | None] = [c for c in _defaults(s, target) if c != target.default]
        if target.default is not None:
            options.append(None)  # the default removed: unset reads as the type's zero
        target.default = draw(st.sampled_from(options))
    return s, op, False
