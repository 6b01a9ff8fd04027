"""JSON Schema histories: a random root object schema and its evolution (see histories.py)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.selffuzz.history import NAMES, History

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
