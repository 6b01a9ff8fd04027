"""JSON Schema histories: a random root object schema and its evolution (see histories.py).

A version is a *canonical* root schema (2020-12 spelling: `$defs`, `prefixItems`, numeric
`exclusiveMinimum`, `const`) plus how it is written out: its draft (draft-04 to 2020-12, each
keyword spelled as that draft wants it), which root properties are moved into `$defs` behind a
`$ref`, annotations (`title`, `description`, `$comment`, `examples`) and the properties' order.

Property kinds cover what the tool's generator builds (docs/jsonschema.md): integers and numbers
with inclusive or exclusive bounds and `multipleOf`, strings with lengths, a `pattern` or a
`format`, booleans, `enum`, `const`, type arrays with "null", `default`s, arrays (`items`,
`minItems`, `maxItems`, `uniqueItems`), tuples (`prefixItems`), nested objects (two levels, open
or closed, with `required`), arrays of objects, maps (`additionalProperties` with a schema),
`patternProperties`, `anyOf`, `oneOf` (disjoint scalars, or objects tagged by a `const`), and a
recursive `$ref` with a base case. The root may be open, closed, or typed
(`additionalProperties` a schema), with `patternProperties`.

Safety is decided on the canonical schemas of every ordered pair of versions (the harness fuzzes
them all), never per step: see `_compatible`.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, replace
from itertools import permutations
from typing import Any

import jsonschema
from hypothesis import strategies as st

from tests.selffuzz.history import NAMES, History

DRAFTS = {
    "draft-04": "http://json-schema.org/draft-04/schema#",
    "draft-06": "http://json-schema.org/draft-06/schema#",
    "draft-07": "http://json-schema.org/draft-07/schema#",
    "2019-09": "https://json-schema.org/draft/2019-09/schema",
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
}
OLD_DRAFTS = ("draft-04", "draft-06", "draft-07")  # `definitions`, and `$ref` siblings ignored
FORMATS = ("date-time", "date", "time", "uuid", "email", "ipv4", "ipv6", "hostname", "uri")
PATTERNS = ("^[A-Z]{2}-[0-9]{3}$", "^[a-z]{1,6}$", "[0-9]")
WORDS = ("on", "off", "auto", "idle", "fault")
X_PATTERN = "^x-[ab]$"  # never matches a property name (NAMES, INNER); two keys at most
INNER = ("x", "y", "z", "u", "v", "w")  # property names of nested objects
RECURSIVE = {
    "node": {
        "type": "object",
        "properties": {"value": {"type": "integer"}, "next": {"$ref": "#/$defs/node"}},
        "required": ["value"],
    },
    "tree": {
        "type": "object",
        "properties": {
            "label": {"type": "string", "maxLength": 8},
            "children": {"type": "array", "items": {"$ref": "#/$defs/tree"}, "maxItems": 2},
        },
    },
}
DEFAULT_CANDIDATES: dict[str, tuple[Any, ...]] = {
    "integer": (5, 10, 42, 1, 100, 0),
    "number": (2.5, 10.0, 0.5, 1, 0),
    "string": ("none", "AB-123", "abc", "7"),
    "boolean": (True, False),
}
Schema = dict[str, Any]
Path = tuple[str, ...]  # property names from the root to a nested object


# ---------------------------------------------------------------------------------------------
# Property kinds (canonical, 2020-12 spelling)


@st.composite
def _integer(draw: Any) -> Schema:
    s: Schema = {"type": "integer"}
    exclusive = draw(st.booleans())
    low = draw(st.sampled_from([None, None, 0, -10, 1]))
    high = draw(st.sampled_from([None, None, 10, 100, 255]))
    if low is not None:
        s["exclusiveMinimum" if exclusive else "minimum"] = low
    if high is not None:
        s["exclusiveMaximum" if exclusive else "maximum"] = high
    if draw(st.integers(0, 3)) == 0:
        s["multipleOf"] = 5
    return s


@st.composite
def _number(draw: Any) -> Schema:
    s: Schema = {"type": "number"}
    exclusive = draw(st.booleans())
    low = draw(st.sampled_from([None, None, 0, -1.5]))
    high = draw(st.sampled_from([None, None, 99.5, 1000]))
    if low is not None:
        s["exclusiveMinimum" if exclusive else "minimum"] = low
    if high is not None:
        s["exclusiveMaximum" if exclusive else "maximum"] = high
    if draw(st.integers(0, 3)) == 0:
        s["multipleOf"] = 0.25
    return s


@st.composite
def _string(draw: Any) -> Schema:
    s: Schema = {"type": "string"}
    variant = draw(st.sampled_from(["plain", "length", "pattern", "format"]))
    if variant == "length":
        s["minLength"] = draw(st.integers(0, 3))
        s["maxLength"] = draw(st.sampled_from([8, 20]))
    elif variant == "pattern":
        s["pattern"] = draw(st.sampled_from(PATTERNS))
    elif variant == "format":
        s["format"] = draw(st.sampled_from(FORMATS))
    return s


@st.composite
def _enum(draw: Any) -> Schema:
    if draw(st.booleans()):
        values = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3, unique=True))
        return {"type": "string", "enum": values} if draw(st.booleans()) else {"enum": values}
    return {"enum": draw(st.lists(st.sampled_from([1, 2, 3, "n/a", None]), min_size=1,
                                  max_size=3, unique=True))}  # fmt: skip


SIMPLE = st.sampled_from([{"type": "integer"}, {"type": "string", "maxLength": 8},
                          {"type": "boolean"}, {"type": "null"},
                          {"type": "string", "format": "date"}, {"type": "number"}])  # fmt: skip


def _base(schema: Schema) -> str:
    kind = schema.get("type", "")
    return "numeric" if kind in ("integer", "number") else str(kind)


@st.composite
def _union(draw: Any) -> Schema:
    """anyOf of two scalars, or oneOf of two whose instances never overlap."""
    first, second = draw(st.lists(SIMPLE, min_size=2, max_size=2, unique_by=_base))
    return {draw(st.sampled_from(["anyOf", "oneOf"])): [first, second]}


@st.composite
def _tagged(draw: Any) -> Schema:
    """oneOf of two closed objects told apart by a `const` tag."""
    branches = []
    for tag, name in (("a", "x"), ("b", "y")):
        branches.append({
            "type": "object",
            "properties": {"kind": {"const": tag}, name: draw(_scalar(defaults=False))},
            "required": ["kind"],
            "additionalProperties": False,
        })  # fmt: skip
    return {"oneOf": branches}


def _with_default(schema: Schema, draw: Any) -> Schema:
    """`schema` with a valid default, when it has a type with candidates (or an enum)."""
    kind = schema.get("type")
    candidates = schema.get("enum") or DEFAULT_CANDIDATES.get(kind if isinstance(kind, str) else "")
    candidates = candidates or ()
    valid = [c for c in candidates if c is not None and _valid(schema, c)]
    if not valid:
        return schema
    return {**schema, "default": draw(st.sampled_from(valid))}


def _valid(schema: Schema, value: Any) -> bool:
    if isinstance(value, float) and schema.get("type") == "integer":
        return False
    return bool(jsonschema.Draft202012Validator(schema).is_valid(value))


@st.composite
def _scalar(draw: Any, defaults: bool = True) -> Schema:
    kind = draw(st.sampled_from(["integer", "number", "string", "string", "boolean", "enum",
                                 "const", "nullable"]))  # fmt: skip
    if kind == "integer":
        s = draw(_integer())
    elif kind == "number":
        s = draw(_number())
    elif kind == "string":
        s = draw(_string())
    elif kind == "boolean":
        s = {"type": "boolean"}
    elif kind == "enum":
        s = draw(_enum())
    elif kind == "const":
        return {"const": draw(st.sampled_from(["v1", 7, True]))}
    else:
        return {"type": [draw(st.sampled_from(["string", "integer", "number"])), "null"]}
    if defaults and draw(st.integers(0, 3)) == 0:
        s = _with_default(s, draw)
    return s


@st.composite
def _object(draw: Any, depth: int) -> Schema:
    count = draw(st.integers(1, 3))
    names = draw(st.lists(st.sampled_from(INNER), min_size=count, max_size=count, unique=True))
    s: Schema = {"type": "object", "properties": {n: draw(_kind(depth + 1)) for n in names}}
    required = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    if required:
        s["required"] = sorted(required)
    if draw(st.booleans()):
        s["additionalProperties"] = False
    return s


@st.composite
def _array(draw: Any, depth: int) -> Schema:
    s: Schema = {"type": "array", "items": draw(_scalar(defaults=False))}
    if draw(st.booleans()):
        s["minItems"] = 1
    top = draw(st.sampled_from([None, 3, 5]))
    if top is not None:
        s["maxItems"] = top
    if draw(st.integers(0, 2)) == 0:
        s["uniqueItems"] = True
    return s


@st.composite
def _kind(draw: Any, depth: int = 0) -> Schema:
    """A property's schema; composite kinds only near the root (objects nest two levels)."""
    if depth >= 2 or draw(st.integers(0, 3 + depth)) > 0:
        return draw(_scalar())
    kinds = ["array", "object"]
    if depth == 0:
        kinds += ["tuple", "objects", "map", "patterned", "union", "tagged", "recursive"]
    kind = draw(st.sampled_from(kinds))
    if kind == "array":
        return draw(_array(depth))
    if kind == "object":
        return draw(_object(depth))
    if kind == "tuple":
        s: Schema = {"type": "array", "prefixItems": [draw(_scalar(defaults=False)) for _ in "ab"]}
        if draw(st.booleans()):
            s["items"] = False
        if draw(st.booleans()):
            s["minItems"] = 2
        return s
    if kind == "objects":
        return {"type": "array", "items": draw(_object(depth + 1)), "maxItems": 3}
    if kind == "map":
        return {"type": "object", "additionalProperties": draw(_scalar(defaults=False))}
    if kind == "patterned":
        return {"type": "object", "patternProperties": {X_PATTERN: draw(_scalar(defaults=False))},
                "additionalProperties": False}  # fmt: skip
    if kind == "union":
        return draw(_union())
    if kind == "tagged":
        return draw(_tagged())
    return {"$ref": "#/$defs/" + draw(st.sampled_from(sorted(RECURSIVE)))}


# ---------------------------------------------------------------------------------------------
# Versions and how they are written out


@dataclass
class Version:
    draft: str
    root: Schema  # canonical
    refs: frozenset[str] = frozenset()  # root properties written as a $ref into $defs
    notes: dict[str, Schema] = field(default_factory=dict)  # annotations per root property
    title: str | None = None


def _convert(s: Any, draft: str) -> Any:
    """A canonical (2020-12) schema spelled as `draft` wants it."""
    if isinstance(s, list):
        return [_convert(x, draft) for x in s]
    if not isinstance(s, dict):
        return s
    out: Schema = {}
    for key, value in s.items():
        if key in ("properties", "patternProperties", "$defs"):
            out[key] = {name: _convert(sub, draft) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "prefixItems"):
            out[key] = _convert(value, draft)
        else:
            out[key] = value
    if draft == "draft-04":
        if "const" in out:
            out["enum"] = [out.pop("const")]
        for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if flag in out:
                out[bound] = out.pop(flag)
                out[flag] = True
    if draft != "2020-12" and "prefixItems" in out:
        rest = out.pop("items", None)
        out["items"] = out.pop("prefixItems")
        if rest is not None:
            out["additionalItems"] = rest
    if draft in OLD_DRAFTS:
        if "$defs" in out:
            out["definitions"] = out.pop("$defs")
        if "$ref" in out:
            out["$ref"] = out["$ref"].replace("#/$defs/", "#/definitions/")
    return out


def _recursive_refs(s: Any) -> set[str]:
    if isinstance(s, list):
        return set().union(*(_recursive_refs(x) for x in s)) if s else set()
    if not isinstance(s, dict):
        return set()
    found = {s["$ref"].rsplit("/", 1)[1]} if isinstance(s.get("$ref"), str) else set()
    return found.union(*(_recursive_refs(v) for v in s.values()))


def _render(v: Version) -> str:
    root = v.root
    schema: Schema = {"$schema": DRAFTS[v.draft]}
    if v.title:
        schema["title"] = v.title
    defs: Schema = {}
    props: Schema = {}
    for name, sub in root["properties"].items():
        written = {**v.notes.get(name, {}), **sub}
        if name in v.refs:
            defs[f"{name}_t"] = written
            props[name] = {"$ref": f"#/$defs/{name}_t"}
        else:
            props[name] = written
    for name in sorted(_recursive_refs(root)):
        if name in RECURSIVE:
            defs[name] = RECURSIVE[name]
    schema.update({k: val for k, val in root.items() if k != "properties"})
    schema["properties"] = props
    if defs:
        schema["$defs"] = defs
    return json.dumps(_convert(schema, v.draft), indent=2) + "\n"


# ---------------------------------------------------------------------------------------------
# Safety: every ordered pair of versions, on the canonical schemas


def _open(obj: Schema) -> bool:
    """Whether an object accepts any property it does not declare (with no schema for it)."""
    return obj.get("additionalProperties", True) is True


def _plain_object(s: Schema) -> bool:
    return s.get("type") == "object" and "properties" in s


def _compatible(w: Schema, r: Schema) -> bool:
    """Whether whatever a writer of `w` sends, a reader of `r` reads without an error finding.

    Only equal schemas, or objects whose differences are: a property the reader lacks (the
    reader open: `field-unknown`), a property the writer lacks that the reader does not require
    (`default-injected`, info or warning), open/closed where the writer sends nothing undeclared
    (a writer only sends what it declares). Any other difference gives an error one way or the
    other (a wider type, bound, enum, another default, a new requirement)."""
    if w == r:
        return True
    if not (_plain_object(w) and _plain_object(r)):
        return False
    rest = ("properties", "required", "additionalProperties", "patternProperties")
    if {k: x for k, x in w.items() if k not in rest} != {
        k: x for k, x in r.items() if k not in rest
    }:
        return False
    wp, rp = w["properties"], r["properties"]
    if not set(r.get("required", ())) <= set(w.get("required", ())):
        return False
    for name, sub in wp.items():
        if name in rp:
            if not _compatible(sub, rp[name]):
                return False
        elif not _open(r):
            return False
    rpat = r.get("patternProperties", {})
    for pattern, sub in w.get("patternProperties", {}).items():
        if rpat.get(pattern, sub) != sub or (pattern not in rpat and not _open(r)):
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Evolution


def _objects(root: Schema) -> list[tuple[Path, Schema]]:
    """The root and the nested plain objects reachable through `properties` alone."""
    found = [((), root)]
    for path, obj in found:
        for name, sub in obj["properties"].items():
            if _plain_object(sub):
                found.append(((*path, name), sub))
    return found


def _pool(path: Path) -> tuple[str, ...]:
    return NAMES if not path else INNER


@st.composite
def _root(draw: Any) -> Schema:
    count = draw(st.integers(1, 4))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=count, max_size=count, unique=True))
    root: Schema = {"type": "object", "properties": {n: draw(_kind()) for n in names}}
    required = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    if required:
        root["required"] = sorted(required)
    if draw(st.integers(0, 3)) == 0:
        root["patternProperties"] = {X_PATTERN: draw(_scalar(defaults=False))}
    closing = draw(st.sampled_from(["open", "open", "false", "true", "schema"]))
    if closing != "open":
        root["additionalProperties"] = _closing(closing)
    return root


def _closing(how: str) -> Any:
    return {"false": False, "true": True, "schema": {"type": "string"}}[how]


def _set_required(obj: Schema, names: set[str]) -> None:
    names &= set(obj["properties"])
    obj.pop("required", None)
    if names:
        obj["required"] = sorted(names)


@st.composite
def _step(draw: Any, v: Version, used: dict[Path, set[str]],
          gone: dict[Path, dict[str, Schema]]) -> tuple[Version, str]:  # fmt: skip
    """One random evolution step from `v`: the next version and what was done."""
    root = copy.deepcopy(v.root)
    objects = _objects(root)
    path, obj = draw(st.sampled_from(objects[:1] * 2 + objects))
    where = ".".join(("#", *path))
    props: Schema = obj["properties"]
    required = set(obj.get("required", ()))
    taken = used.setdefault(path, set())
    fresh = [n for n in _pool(path) if n not in taken and n not in props]
    depth = len(path)
    returning = sorted(set(gone.get(path, {})) - set(props))
    names = sorted(props)
    targets = {  # per op, the properties it applies to (ops without a list: any property)
        "bounds": [n for n in names if _has_bounds(props[n])],
        "enum": [n for n in names if "enum" in props[n]],
        "default": [n for n in names if _defaultable(props[n])],
    }
    applicable = {
        "add": bool(fresh) and len(props) < 7,
        "add-required": bool(fresh) and len(props) < 7,
        "remove": len(props) > 1,
        "rename": len(props) > 1 and bool(fresh),
        "readd": bool(returning),
        "retype": True,
        "bounds": bool(targets["bounds"]),
        "enum": bool(targets["enum"]),
        "default": bool(targets["default"]),
        "require": True,
        "close": True,
        "patterns": not path,
        "draft": True,
        "ref": True,
        "annotate": True,
        "reorder": len(props) > 1,
        "reorder-required": len(required) > 1,
        "copy": True,
    }
    weights = {"add": 3, "draft": 2, "retype": 2, "bounds": 2, "enum": 2}
    ops = [op for op, ok in applicable.items() if ok for _ in range(weights.get(op, 1))]
    op = draw(st.sampled_from(ops))
    target = draw(st.sampled_from(targets.get(op, names)))
    sub = props[target]
    done = f"{op} {where}.{target}"
    if op in ("add", "add-required") and fresh and len(props) < 7:
        name = draw(st.sampled_from(fresh))
        used[path].add(name)
        props[name] = draw(_kind(depth))
        if op == "add-required":
            _set_required(obj, required | {name})
        done = f"{op} {where}.{name}"
    elif op in ("remove", "rename"):
        gone.setdefault(path, {})[target] = props.pop(target)
        _set_required(obj, required - {target})
        if op == "rename":
            name = draw(st.sampled_from(fresh))
            used[path].add(name)
            props[name] = gone[path][target]
            _set_required(obj, (required - {target}) | ({name} if target in required else set()))
            done = f"rename {where}.{target} -> {name}"
    elif op == "readd":
        name = draw(st.sampled_from(returning))
        same = draw(st.booleans())
        props[name] = gone[path][name] if same else draw(_kind(depth))
        done = f"readd {where}.{name} ({'same' if same else 'new'} schema)"
    elif op == "retype":
        props[target] = draw(_kind(depth))
        if props[target] == sub:
            done += " (unchanged)"
    elif op == "bounds":
        props[target] = _rebound(props[target], draw)
    elif op == "enum":
        values = props[target]["enum"]
        extra = [w for w in (*WORDS, 4, 5) if w not in values]
        if draw(st.booleans()) and len(values) > 1:
            props[target] = {**props[target], "enum": values[:-1]}
            done = f"drop an enum value {where}.{target}"
        elif extra:
            props[target] = {**props[target], "enum": [*values, draw(st.sampled_from(extra))]}
        if "default" in props[target] and props[target]["default"] not in props[target]["enum"]:
            del props[target]["default"]
    elif op == "default":
        bare = {k: x for k, x in sub.items() if k != "default"}
        props[target] = _with_default(bare, draw) if draw(st.integers(0, 2)) else bare
    elif op == "require":
        _set_required(obj, required ^ {target})
    elif op == "close":
        how = draw(st.sampled_from(["open", "false", "true"] + (["schema"] if not path else [])))
        obj.pop("additionalProperties", None)
        if how != "open":
            obj["additionalProperties"] = _closing(how)
        done = f"close {where} ({how})"
    elif op == "patterns":
        if obj.pop("patternProperties", None) is None:
            obj["patternProperties"] = {X_PATTERN: draw(_scalar(defaults=False))}
        done = "toggle patternProperties #"
    elif op == "draft":
        draft = draw(st.sampled_from(sorted(DRAFTS)))
        return replace(v, draft=draft), f"draft {v.draft} -> {draft}"
    elif op == "ref":
        name = draw(st.sampled_from(sorted(v.root["properties"])))
        return replace(v, refs=v.refs ^ {name}), f"toggle $ref #.{name}"
    elif op == "annotate":
        name = draw(st.sampled_from(sorted(v.root["properties"])))
        note = draw(st.sampled_from([{"description": "a reading"}, {"title": name.title()},
                                     {"$comment": "since v2"}, {"examples": []}]))  # fmt: skip
        if draw(st.integers(0, 3)) == 0:
            return replace(v, title=draw(st.sampled_from(["Reading", "Sample", None]))), "title"
        return replace(v, notes={**v.notes, name: note}), f"annotate #.{name}"
    elif op == "reorder":
        obj["properties"] = dict(draw(st.permutations(list(props.items()))))
        done = f"reorder {where}"
    elif op == "reorder-required":
        obj["required"] = sorted(required, reverse=True)
        done = f"reorder required {where}"
    else:
        return v, "copy"
    return replace(v, root=root), done


def _defaultable(s: Schema) -> bool:
    return isinstance(s.get("type"), str) or "enum" in s


def _has_bounds(s: Schema) -> bool:
    return bool(set(s) & set(BOUNDS))


BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
          "maxLength", "minItems", "maxItems", "multipleOf")  # fmt: skip


def _rebound(s: Schema, draw: Any) -> Schema:
    """Tighten or loosen one bound of `s` (never safe both ways), keeping `s` satisfiable."""
    key = draw(st.sampled_from(sorted(set(s) & set(BOUNDS))))
    out = dict(s)
    if key == "multipleOf" or draw(st.integers(0, 3)) == 0:
        del out[key]  # loosen
    elif key == "minItems" and (s.get("uniqueItems") or "prefixItems" in s):
        del out[key]  # a bigger minimum might not have enough distinct (or allowed) items
    elif key in ("minimum", "exclusiveMinimum", "minLength", "minItems"):
        out[key] = s[key] + draw(st.sampled_from([1, -1])) if key != "minLength" else s[key] + 1
    else:
        out[key] = s[key] + draw(st.sampled_from([1, 50])) if key != "maxItems" else s[key] + 1
    if "default" in out and not _valid({k: x for k, x in out.items() if k != "default"},
                                       out["default"]):  # fmt: skip
        del out["default"]
    return out


@st.composite
def jsonschema_histories(draw: Any) -> History:
    root = draw(_root())
    first = Version(draw(st.sampled_from(sorted(DRAFTS))), root)
    used: dict[Path, set[str]] = {path: set(obj["properties"]) for path, obj in _objects(root)}
    gone: dict[Path, dict[str, Schema]] = {}
    versions, steps = [first], []
    for _ in range(draw(st.integers(1, 4))):
        version, done = draw(_step(versions[-1], used, gone))
        versions.append(version)
        steps.append(done)
    safe = all(_compatible(w.root, r.root) for w, r in permutations(versions, 2))
    config = 'format = "jsonschema"\nencodings = ["json", "cbor"]\n'
    return History("jsonschema", [{"root.json": _render(v)} for v in versions], config, safe,
                   steps)  # fmt: skip
