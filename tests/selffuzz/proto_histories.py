"""Protobuf schema histories: a random Root message and its evolution (see histories.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import strategies as st

from tests.selffuzz.history import NAMES, History

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
