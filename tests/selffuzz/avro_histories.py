"""Avro schema histories: a random Root record and its evolution (see histories.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import strategies as st

from tests.selffuzz.history import NAMES, History

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
