"""Hypothesis strategies of schema histories, for fuzzing schemafuzz itself.

A history is a random valid schema of one format and a random evolution of it over 2-5
versions: add, remove, rename, renumber, retype, reserve, move into a oneof, add enum values,
change defaults, reorder declarations. `History.write(dir)` lays it out as a family directory.
Each history also knows whether every step was *safe* (adding a field with a fresh number and a
default where the format needs one, reordering declarations): a safe history must give no error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

NAMES = ("alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa",
         "lam", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "ups")  # fmt: skip


@dataclass
class History:
    format: str
    versions: list[dict[str, str]]  # per version: file name -> text
    config: str  # family.toml
    safe: bool  # every step is a change the format reads without loss
    steps: list[str] = field(default_factory=list)

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "family.toml").write_text(self.config)
        for i, files in enumerate(self.versions, start=1):
            for name, text in files.items():
                target = directory / f"v{i}" / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
        return directory

    def identical(self) -> History:
        """The first version twice: must give no finding (state hazards aside)."""
        return replace(self, versions=[self.versions[0], self.versions[0]], steps=["copy"])


# ---------------------------------------------------------------------------------------------
# protobuf

PROTO_SCALARS = ("int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64",
                 "sfixed32", "sfixed64", "bool", "string", "bytes", "float", "double")  # fmt: skip
PROTO_RETYPES = {
    "int32": ("int64", "uint32", "sint32", "bool"), "int64": ("int32", "uint64", "double"),
    "uint32": ("int32", "uint64", "fixed32"), "sint32": ("sint64", "int32"),
    "float": ("double", "int32"), "double": ("float", "int64"), "string": ("bytes",),
    "bytes": ("string",), "bool": ("int32", "uint32"), "fixed32": ("uint32", "sfixed32"),
}  # fmt: skip


@dataclass
class PField:
    name: str
    number: int
    type: str  # a scalar, "Mode", "Sub", "Node", "map<string, int32>"
    label: str = ""  # "", "optional", "repeated"
    oneof: str | None = None


@dataclass
class ProtoSchema:
    fields: list[PField]
    modes: list[str]  # enum Mode values after the zero value
    reserved: list[int] = field(default_factory=list)
    reserved_names: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = ['syntax = "proto3";', "package fuzzed;", "", "enum Mode {", "  MODE_UNSET = 0;"]
        lines += [f"  {name} = {i};" for i, name in enumerate(self.modes, start=1)]
        lines += ["}", "", "message Sub {", "  int32 a = 1;", "  string b = 2;", "}", ""]
        lines += ["message Node {", "  int32 value = 1;", "  Node next = 2;", "}", ""]
        lines += ["message Root {"]
        if self.reserved:
            lines.append(f"  reserved {', '.join(str(n) for n in sorted(set(self.reserved)))};")
        if self.reserved_names:
            names = ", ".join(json.dumps(n) for n in sorted(set(self.reserved_names)))
            lines.append(f"  reserved {names};")
        oneofs: dict[str, list[PField]] = {}
        for f in self.fields:
            if f.oneof:
                oneofs.setdefault(f.oneof, []).append(f)
                continue
            label = f"{f.label} " if f.label else ""
            lines.append(f"  {label}{f.type} {f.name} = {f.number};")
        for name, members in oneofs.items():
            lines.append(f"  oneof {name} {{")
            lines += [f"    {m.type} {m.name} = {m.number};" for m in members]
            lines.append("  }")
        lines.append("}")
        return "\n".join(lines) + "\n"


def _proto_type(draw: Any) -> tuple[str, str]:
    kind = draw(st.sampled_from(["scalar"] * 6 + ["enum", "sub", "node", "map", "repeated"]))
    if kind == "scalar":
        return draw(st.sampled_from(PROTO_SCALARS)), draw(st.sampled_from(["", "", "optional"]))
    if kind == "enum":
        return "Mode", ""
    if kind == "sub":
        return "Sub", ""
    if kind == "node":
        return "Node", ""  # recursive: generated to a bounded depth
    if kind == "map":
        return "map<string, int32>", ""
    return draw(st.sampled_from(["int32", "string", "Sub", "double"])), "repeated"


@st.composite
def proto_histories(draw: Any) -> History:
    count = draw(st.integers(1, 8))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=count, max_size=count, unique=True))
    fields = []
    for i, name in enumerate(names, start=1):
        type_, label = _proto_type(draw)
        fields.append(PField(name, i, type_, label))
    schema = ProtoSchema(fields, ["MODE_A", "MODE_B"][: draw(st.integers(0, 2))])
    versions = [schema]
    safe = True
    steps: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        schema, step, ok = _proto_step(draw, _copy_proto(schema))
        versions.append(schema)
        steps.append(step)
        safe = safe and ok
    config = (
        'format = "proto"\nroot = "fuzzed.Root"\nencodings = ["proto-binary", "proto-json"]\n'
        'proto_json_unknown = "ignore"\n'
    )
    return History("proto", [{"root.proto": v.text()} for v in versions], config, safe, steps)


def _copy_proto(schema: ProtoSchema) -> ProtoSchema:
    return ProtoSchema(
        [replace(f) for f in schema.fields],
        list(schema.modes),
        list(schema.reserved),
        list(schema.reserved_names),
    )


def _proto_step(draw: Any, s: ProtoSchema) -> tuple[ProtoSchema, str, bool]:
    used = {f.number for f in s.fields} | set(s.reserved)
    taken = {f.name for f in s.fields} | set(s.reserved_names)
    free = [n for n in NAMES if n not in taken]
    ops = ["add", "reorder", "enum"]
    if s.fields:
        ops += ["remove", "rename", "renumber", "retype", "oneof"]
    op = draw(st.sampled_from(ops))
    if op == "add" and free:
        type_, label = _proto_type(draw)
        s.fields.append(PField(draw(st.sampled_from(free)), max(used, default=0) + 1, type_, label))
        return s, "add", True
    if op == "reorder":
        s.fields = draw(st.permutations(s.fields))
        return s, "reorder", True
    if op == "enum":
        s.modes.append(f"MODE_{len(s.modes) + 10}")
        return s, "enum", False  # an old reader of an open enum keeps the number: info at most
    if not s.fields:
        return s, "none", True
    target = draw(st.sampled_from(s.fields))
    if op == "remove":
        s.fields.remove(target)
        s.reserved.append(target.number)
        s.reserved_names.append(target.name)
        return s, "remove", False
    if op == "rename" and free:
        target.name = draw(st.sampled_from(free))
        return s, "rename", False
    if op == "renumber":
        target.number = max(used) + 1
        return s, "renumber", False
    if op == "retype" and target.type in PROTO_RETYPES and not target.oneof:
        target.type = draw(st.sampled_from(PROTO_RETYPES[target.type]))
        if target.type == "bool" and target.label == "repeated":
            target.label = ""
        return s, "retype", False
    if op == "oneof" and target.label == "" and not target.type.startswith("map"):
        target.oneof = "choice"
        return s, "oneof", False
    return s, "none", True


# ---------------------------------------------------------------------------------------------
# Avro

AVRO_TYPES: dict[str, Any] = {
    "int": ("int", 0), "long": ("long", 0), "float": ("float", 0.0), "double": ("double", 0.0),
    "boolean": ("boolean", False), "string": ("string", ""), "bytes": ("bytes", ""),
    "nullable": (["null", "string"], None),
    "date": ({"type": "int", "logicalType": "date"}, 0),
    "millis": ({"type": "long", "logicalType": "timestamp-millis"}, 0),
    "array": ({"type": "array", "items": "int"}, []),
    "map": ({"type": "map", "values": "long"}, {}),
    "enum": ({"type": "enum", "name": "Colour", "symbols": ["RED", "GREEN"], "default": "RED"},
             "RED"),
    "record": ({"type": "record", "name": "Point", "fields": [
        {"name": "x", "type": "double", "default": 0.0}]}, {"x": 0.0}),
}  # fmt: skip
AVRO_RETYPES = {"int": ("long", "float", "double", "string"), "long": ("int", "float", "double"),
                "float": ("double", "int"), "string": ("bytes",), "bytes": ("string",),
                "double": ("float",)}  # fmt: skip


@dataclass
class AField:
    name: str
    kind: str
    default: bool = True
    aliases: list[str] = field(default_factory=list)


def _avro_schema(fields: list[AField], symbols: list[str]) -> str:
    rendered = []
    for f in fields:
        type_, default = AVRO_TYPES[f.kind]
        if f.kind == "enum":
            type_ = {**type_, "symbols": symbols}
        entry: dict[str, Any] = {"name": f.name, "type": type_}
        if f.default:
            entry["default"] = default
        if f.aliases:
            entry["aliases"] = f.aliases
        rendered.append(entry)
    schema = {"type": "record", "name": "Root", "namespace": "fuzzed", "fields": rendered}
    return json.dumps(schema, indent=2) + "\n"


@st.composite
def avro_histories(draw: Any) -> History:
    count = draw(st.integers(1, 7))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=count, max_size=count, unique=True))
    kinds = list(AVRO_TYPES)
    # Named types (enum, record) at most once each: one definition per name.
    fields = []
    for name in names:
        kind = draw(st.sampled_from(kinds))
        if kind in ("enum", "record"):
            kinds.remove(kind)
        fields.append(AField(name, kind, draw(st.booleans())))
    symbols = ["RED", "GREEN"]
    versions = [_avro_schema(fields, symbols)]
    safe, steps = True, []
    for _ in range(draw(st.integers(1, 4))):
        fields = [replace(f, aliases=list(f.aliases)) for f in fields]
        op = draw(st.sampled_from(["add", "reorder", "remove", "rename", "alias", "retype",
                                   "enum", "default"]))  # fmt: skip
        taken = {f.name for f in fields} | {a for f in fields for a in f.aliases}
        free = [n for n in NAMES if n not in taken]
        ok, done = False, op
        if op == "add" and free:
            kind = draw(st.sampled_from(["int", "string", "double", "nullable", "array"]))
            fields.append(AField(draw(st.sampled_from(free)), kind, True))
            ok = True
        elif op == "reorder":
            fields = list(draw(st.permutations(fields)))
            ok = True
        elif op == "enum":
            symbols = [*symbols, f"C{len(symbols)}"]
            ok = not any(f.kind == "enum" for f in fields)
        elif fields:
            target = draw(st.sampled_from(fields))
            if op == "remove":
                fields.remove(target)
            elif op in ("rename", "alias") and free:
                old = target.name
                target.name = draw(st.sampled_from(free))
                if op == "alias":  # safe one way only: the old reader does not know the name
                    target.aliases = [*target.aliases, old]
            elif op == "retype" and target.kind in AVRO_RETYPES:
                # Never safe both ways: a promotion read backwards is a narrowing.
                target.kind = draw(st.sampled_from(AVRO_RETYPES[target.kind]))
            elif op == "default":
                target.default = not target.default
            else:
                done, ok = "none", True
        else:
            done, ok = "none", True
        versions.append(_avro_schema(fields, symbols))
        steps.append(done)
        safe = safe and ok
    config = 'format = "avro"\nroot = "fuzzed.Root"\nencodings = ["avro-binary", "avro-json"]\n'
    return History("avro", [{"root.avsc": v} for v in versions], config, safe, steps)


# ---------------------------------------------------------------------------------------------
# JSON Schema

JSON_TYPES: dict[str, dict[str, Any]] = {
    "integer": {"type": "integer"}, "number": {"type": "number"}, "string": {"type": "string"},
    "boolean": {"type": "boolean"},
    "bounded": {"type": "integer", "minimum": 0, "maximum": 100},
    "enum": {"enum": ["on", "off"]},
    "array": {"type": "array", "items": {"type": "integer"}, "maxItems": 4},
    "object": {"type": "object", "properties": {"x": {"type": "number"}},
               "additionalProperties": False},
    "defaulted": {"type": "string", "default": "none"},
}  # fmt: skip
JSON_RETYPES = {"integer": ("number", "string", "bounded"), "number": ("integer",),
                "string": ("enum",), "enum": ("string",), "bounded": ("integer",),
                "boolean": ("integer",)}  # fmt: skip


def _json_schema(props: dict[str, str], required: set[str], closed: bool) -> str:
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {name: JSON_TYPES[kind] for name, kind in props.items()},
    }
    if required & set(props):
        schema["required"] = sorted(required & set(props))
    if closed:
        schema["additionalProperties"] = False
    return json.dumps(schema, indent=2) + "\n"


@st.composite
def jsonschema_histories(draw: Any) -> History:
    count = draw(st.integers(1, 7))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=count, max_size=count, unique=True))
    props = {name: draw(st.sampled_from(list(JSON_TYPES))) for name in names}
    required = set(draw(st.lists(st.sampled_from(names), max_size=2)))
    closed = draw(st.booleans())
    versions = [_json_schema(props, required, closed)]
    safe, steps = True, []
    for _ in range(draw(st.integers(1, 4))):
        props = dict(props)
        op = draw(st.sampled_from(["add", "reorder", "remove", "retype", "require", "enum"]))
        free = [n for n in NAMES if n not in props]
        ok, done = False, op
        if op == "add" and free:
            props[draw(st.sampled_from(free))] = draw(st.sampled_from(["integer", "string"]))
            ok = not closed  # a closed old reader rejects the new property
        elif op == "reorder":
            props = dict(draw(st.permutations(list(props.items()))))
            ok = True
        elif props:
            target = draw(st.sampled_from(sorted(props)))
            if op == "remove":
                del props[target]
            elif op == "retype" and props[target] in JSON_RETYPES:
                # Never safe both ways: what the wider type allows, the narrower rejects.
                props[target] = draw(st.sampled_from(JSON_RETYPES[props[target]]))
            elif op == "require":
                required = required ^ {target}
            else:
                done, ok = "none", True
        else:
            done, ok = "none", True
        versions.append(_json_schema(props, required, closed))
        steps.append(done)
        safe = safe and ok
    config = 'format = "jsonschema"\nencodings = ["json", "cbor"]\n'
    return History("jsonschema", [{"root.json": v} for v in versions], config, safe, steps)


HISTORIES = {"proto": proto_histories, "avro": avro_histories, "jsonschema": jsonschema_histories}
