"""JSON Schema: load a version (drafts 04 to 2020-12), describe it as the model, validate, view.

Every `.json` file of a version directory is parsed once and registered in one `referencing`
Registry under its file URI, so a relative `$ref` resolves by file path whatever the (often
stale) `id`/`$id` URLs say. A URL that is not present locally is mapped to the local file whose
path ends the same way, and never fetched: a remote `$ref` is an input error.

The reader model: parse the bytes (JSON or CBOR), validate them against the reader's schema with
one `jsonschema` validator built per version, then view the reader's declared properties with its
`default`s filled in for the missing ones. Everything but that per-example work runs once per
version: loading, reference resolution, the model, the view builders and the generator plan.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import cbor2
import referencing.exceptions
from jsonschema import exceptions as jsonschema_exceptions
from jsonschema import validators as jsonschema_validators
from jsonschema_specifications import REGISTRY as META_SCHEMAS
from referencing import Registry, Resource, Specification
from referencing import jsonschema as referencing_jsonschema
from referencing._core import Resolver

from schemafuzz._internal.errors import InputError, decode_text
from schemafuzz._internal.model import (
    ANY,
    BOOL,
    FLOAT64,
    INT,
    JSON_MAX_DEPTH,
    MESSAGE,
    STRING,
    DecodeFailure,
    DepthSamplers,
    Encoding,
    FieldDef,
    MessageDef,
    View,
)

FORMAT = "jsonschema"
ENCODINGS = (Encoding("json", "name"), Encoding("cbor", "name"))
OPTIONS: dict[str, tuple[str, ...]] = {}
DEFAULT_DIALECT = "https://json-schema.org/draft/2020-12/schema"
MAX_MESSAGE = 200  # characters of a validator message kept in a decode failure

# ---------------------------------------------------------------------------------------------
# Dialects


@dataclass(frozen=True, eq=False)
class Dialect:
    """One supported draft: how `referencing` reads its ids, which validator checks it, and
    what its keywords mean where drafts differ."""

    name: str
    year: int  # 2013 (draft-04), 2016 (06), 2017 (07), 2019, 2020: drafts in order
    spec: Specification[Any]
    validator: Any  # a jsonschema Validator class

    @property
    def ref_alone(self) -> bool:
        """Drafts 04-07: `$ref` ignores its sibling keywords."""
        return self.year <= 2017

    @property
    def tuple_items(self) -> bool:
        """Drafts 04-2019-09: an array `items` is positional (2020-12: prefixItems)."""
        return self.year <= 2019

    @property
    def numeric_exclusive(self) -> bool:
        """Drafts 06+: exclusiveMinimum/Maximum are numbers (04: flags); `const` exists."""
        return self.year >= 2016

    @property
    def conditionals(self) -> bool:
        """Drafts 07+: if/then/else."""
        return self.year >= 2017


_V = jsonschema_validators
_R = referencing_jsonschema
_DIALECTS = {
    d.name: d
    for d in (
        Dialect("draft-04", 2013, _R.DRAFT4, _V.Draft4Validator),
        Dialect("draft-06", 2016, _R.DRAFT6, _V.Draft6Validator),
        Dialect("draft-07", 2017, _R.DRAFT7, _V.Draft7Validator),
        Dialect("2019-09", 2019, _R.DRAFT201909, _V.Draft201909Validator),
        Dialect("2020-12", 2020, _R.DRAFT202012, _V.Draft202012Validator),
    )
}
_BY_VALIDATOR = {d.validator: d for d in _DIALECTS.values()}


def dialect_of(contents: Any, default: Dialect, where: str) -> Dialect:
    """The dialect `contents` declares with `$schema`, else `default` (as jsonschema decides)."""
    if not isinstance(contents, dict) or "$schema" not in contents:
        return default
    declared = contents["$schema"]
    cls = (
        jsonschema_validators.validator_for(contents, default=None)
        if isinstance(declared, str)
        else None
    )
    dialect = _BY_VALIDATOR.get(cls)
    if dialect is None:
        raise InputError(
            f"{where}: unsupported $schema {declared!r} "
            "(supported: draft-04, draft-06, draft-07, 2019-09, 2020-12)"
        )
    return dialect


# ---------------------------------------------------------------------------------------------
# Files


def read_json(path: Path) -> Any:
    """One schema file; invalid JSON names file:line:column."""
    text = decode_text(path, path.read_bytes())
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None


def schema_files(version_dir: Path, recursive: bool = True) -> list[Path]:
    """Every .json file of a version folder (hidden ones aside)."""
    found = version_dir.rglob("*.json") if recursive else version_dir.glob("*.json")
    return sorted(
        p
        for p in found
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(version_dir).parts)
    )


def choose_root(files: list[Path], root: str | None, version_dir: Path, version: str) -> Path:
    """The root schema file: `root` as a relative path or a unique file name, else the only file."""
    rels = [f.relative_to(version_dir).as_posix() for f in files]
    if root is None:
        if len(files) == 1:
            return files[0]
        shown = ", ".join(rels[:8]) + (", …" if len(rels) > 8 else "")
        raise InputError(
            f"version {version}: several .json files ({shown}) and no root; "
            "set root in family.toml or pass --root"
        )
    wanted = root.strip("/")
    exact = [f for f, rel in zip(files, rels, strict=True) if rel == wanted]
    named = [f for f in files if f.name == wanted]
    found = exact or named
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        listed = ", ".join(f.relative_to(version_dir).as_posix() for f in found)
        raise InputError(f"version {version}: root {root!r} is ambiguous ({listed}); give its path")
    raise InputError(f"version {version}: root schema {root!r} not found in {version_dir}")


# ---------------------------------------------------------------------------------------------
# References


@dataclass(frozen=True, eq=False)
class Node:
    """A subschema with what resolving its `$ref`s needs: the resolver (base URI) and dialect."""

    contents: Any  # a dict or a bool
    resolver: Resolver[Any]
    dialect: Dialect


class Graph:
    """Every schema file of one version in one Registry, and `$ref` resolution without network.

    Files are registered under their file URIs. A URI not in the registry (a stale `id`, a
    published URL) is mapped to the local file whose relative path its path ends with; what maps
    nowhere is an InputError, never a download.
    """

    def __init__(self, version_dir: Path, files: list[Path], version: str) -> None:
        self.version_dir = version_dir
        self.version = version
        self.contents = {f: read_json(f) for f in files}
        self.places: dict[int, tuple[Path, str]] = {}
        for path, contents in self.contents.items():
            self._index(path, contents, "")
        self.aliases: dict[str, Resource[Any]] = {}
        self.resources: dict[Path, Resource[Any]] = {}
        self.dialects: dict[Path, Dialect] = {}
        self.invalid: dict[Path, str] = {}  # files left out of the registry: their defect
        self.registry: Registry[Any] = Registry()

    def build(self, default: Dialect) -> None:
        """Register every file (as a schema of its own `$schema`, else of `default`).

        `referencing` crashes crawling a file that is not a schema (a list where a subschema
        belongs), even one the root never reaches; only then is every file checked against its
        meta-schema, and the broken ones are left out (a `$ref` to one names its defect).
        """
        for path, contents in self.contents.items():
            if isinstance(contents, (dict, bool)):
                # Lenient here: a data file beside the schemas may name its schema in $schema;
                # only files the root reaches must declare a supported draft (checked there).
                try:
                    self.dialects[path] = dialect_of(contents, default, self.rel(path))
                except InputError:
                    self.dialects[path] = default
                self.resources[path] = self.dialects[path].spec.create_resource(contents)
        try:
            walk = self._registry(self._retrieve)
        except Exception:  # referencing's crawl fails on malformed subschemas
            for path in list(self.resources):
                problem = meta_error(self.rel(path), self.contents[path], self.dialects[path])
                if problem is not None:
                    self.invalid[path] = problem
                    del self.resources[path]
            walk = self._registry(self._retrieve)
        self.registry = META_SCHEMAS.combine(walk)

    def _registry(self, retrieve: Callable[[str], Resource[Any]]) -> Registry[Any]:
        pairs = [(path.resolve().as_uri(), r) for path, r in self.resources.items()]
        pairs.extend(self.aliases.items())
        return Registry(retrieve=retrieve).with_resources(pairs).crawl()  # type: ignore[call-arg]

    def final_registry(self) -> Registry[Any]:
        """The registry a validator uses: the files and every alias the load resolved. A URI
        still missing (the same file reached through another stale URL) goes through the same
        offline mapping, never to the network."""
        return self._registry(self._retrieve)

    def _index(self, path: Path, value: Any, pointer: str) -> None:
        if isinstance(value, dict):
            self.places[id(value)] = (path, pointer or "#")
            for key, item in value.items():
                self._index(path, item, f"{pointer}/{key}")
        elif isinstance(value, list):
            self.places[id(value)] = (path, pointer or "#")
            for i, item in enumerate(value):
                self._index(path, item, f"{pointer}/{i}")

    def rel(self, path: Path) -> str:
        return path.relative_to(self.version_dir).as_posix()

    def where(self, contents: Any) -> str:
        """`file#/pointer` of a subschema, for messages."""
        place = self.places.get(id(contents))
        if place is None:
            return f"version {self.version}"
        path, pointer = place
        return f"{self.rel(path)}{'' if pointer == '#' else '#' + pointer}"

    def file_of(self, contents: Any) -> Path | None:
        place = self.places.get(id(contents))
        return place[0] if place else None

    def root(self, path: Path, default: Dialect) -> Node:
        if path in self.invalid:
            raise InputError(self.invalid[path])
        resolved = self.registry.resolver().lookup(path.resolve().as_uri())
        contents = resolved.contents
        return Node(contents, resolved.resolver, dialect_of(contents, default, self.rel(path)))

    def child(self, parent: Node, contents: Any) -> Node:
        """A subschema of `parent`: its own `id`/`$id` (if any) moves the base URI."""
        dialect = dialect_of(contents, parent.dialect, self.where(contents))
        if isinstance(contents, dict):
            resolver = parent.resolver.in_subresource(dialect.spec.create_resource(contents))
        else:
            resolver = parent.resolver
        return Node(contents, resolver, dialect)

    def follow(self, node: Node, ref: str) -> Node:
        """The subschema `ref` (in `node`) points at; a clear InputError when it points nowhere."""
        try:
            resolved = node.resolver.lookup(ref)
        except referencing.exceptions.Unresolvable as exc:
            raise InputError(self._unresolvable(node, ref, exc)) from None
        contents = resolved.contents
        if not isinstance(contents, (dict, bool)):
            raise InputError(f"{self.where(node.contents)}: $ref {ref!r} points at a non-schema")
        return Node(contents, resolved.resolver, dialect_of(contents, node.dialect, ref))

    def _unresolvable(self, node: Node, ref: str, exc: Exception) -> str:
        where = self.where(node.contents)
        if isinstance(exc, referencing.exceptions.PointerToNowhere):
            return f"{where}: $ref {ref!r} points nowhere (no {exc.ref} in the file it names)"
        if isinstance(exc, referencing.exceptions.NoSuchAnchor):
            return f"{where}: $ref {ref!r} points nowhere (no anchor {exc.anchor!r})"
        target = ref.split("#")[0]
        for path, problem in self.invalid.items():
            if target and target.rsplit("/", 1)[-1] == path.name:
                return f"{where}: $ref {ref!r} names a broken file: {problem}"
        if urlsplit(target).scheme in ("http", "https"):
            return (
                f"{where}: remote $ref {ref!r} matches no local file of version {self.version} "
                "(schemafuzz never downloads schemas: copy the file into the version folder)"
            )
        return f"{where}: $ref {ref!r} points nowhere (no such file in {self.version_dir})"

    def _retrieve(self, uri: str) -> Resource[Any]:
        """A URI not registered: the local file whose relative path the URI's path ends with."""
        found = self.aliases.get(uri)
        if found is not None:
            return found
        path = self._local_for(uri)
        if path is None or path not in self.resources:
            raise referencing.exceptions.NoSuchResource(uri)
        self.aliases[uri] = self.resources[path]
        return self.resources[path]

    def _local_for(self, uri: str) -> Path | None:
        """The one local file sharing the longest tail of path segments with `uri` (at least
        the file name); None when none or several do. `file:` URIs are exact: no guessing."""
        parts = urlsplit(uri)
        if parts.scheme == "file" or not parts.path:
            return None
        segments = [unquote(s) for s in parts.path.split("/") if s]
        scored = [(_common_tail(self.rel(p).split("/"), segments), p) for p in self.resources]
        best = max((score for score, _ in scored), default=0)
        found = [p for score, p in scored if score == best]
        return found[0] if best and len(found) == 1 else None


def _common_tail(a: list[str], b: list[str]) -> int:
    """How many trailing segments two paths share."""
    count = 0
    while count < min(len(a), len(b)) and a[-1 - count] == b[-1 - count]:
        count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Shapes: a schema with its $ref and allOf merged in


_NO_DEFAULT: Any = type("NoDefault", (), {"__repr__": lambda self: "<no default>"})()
TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
Bound = tuple[int | float, bool]  # (value, exclusive)

# Validation keywords the generator cannot construct values for: named in a warning; an
# instance that fails them is discarded by the final validation.
UNGENERATED = (
    "not",
    "dependencies",
    "dependentRequired",
    "dependentSchemas",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "contains",
    "minContains",
    "maxContains",
    "unevaluatedProperties",
    "unevaluatedItems",
    "$recursiveRef",
    "$dynamicRef",
)


@dataclass(eq=False)
class Shape:
    """Every constraint an instance of one schema must meet, `$ref` and `allOf` merged in.

    Subschemas (properties, items, branches) stay `Node`s, shaped only when needed, so recursive
    schemas are fine. A tuple of nodes means "all of these".
    """

    types: frozenset[str] | None = None  # None: any type
    enum: tuple[Any, ...] | None = None
    lower: Bound | None = None
    upper: Bound | None = None
    multiple_of: tuple[int | float, ...] = ()
    min_length: int = 0
    max_length: int | None = None
    patterns: tuple[str, ...] = ()
    format: str | None = None
    properties: dict[str, tuple[Node, ...]] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    pattern_properties: dict[str, tuple[Node, ...]] = field(default_factory=dict)
    additional: tuple[Node, ...] = ()  # additionalProperties schemas (apply to undeclared keys)
    closed: tuple[tuple[frozenset[str], tuple[str, ...]], ...] = ()  # additionalProperties false
    prefix: tuple[tuple[Node, ...], ...] = ()
    items: tuple[Node, ...] | None = None  # None: any items
    no_items: bool = False  # nothing allowed after the prefix
    min_items: int = 0
    max_items: int | None = None
    unique: bool = False
    choices: tuple[tuple[tuple[Node, ...], ...], ...] = ()  # anyOf/oneOf/if-then-else groups
    default: Any = _NO_DEFAULT
    never: bool = False  # no instance is valid (false schema, empty type intersection)

    def allows(self, name: str) -> bool:
        """Whether every closed schema merged in admits property `name`."""
        return all(
            name in names or any(re.search(p, name) for p in patterns)
            for names, patterns in self.closed
        )

    def is_object(self) -> bool:
        return self.types == frozenset({"object"})


def _meet_types(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    if a is None or b is None:
        return a if b is None else b
    out = set(a & b)
    if ("integer" in a and "number" in b) or ("integer" in b and "number" in a):
        out.add("integer")
    return frozenset(out)


def _tighter(a: Bound | None, b: Bound | None, lower: bool) -> Bound | None:
    if a is None or b is None:
        return a if b is None else b
    if a[0] == b[0]:
        return (a[0], a[1] or b[1])
    return max(a, b, key=lambda x: x[0]) if lower else min(a, b, key=lambda x: x[0])


def json_key(value: Any) -> Any:
    """A hashable key under which JSON Schema's equality holds (1 == 1.0, true != 1)."""
    if isinstance(value, bool) or value is None:
        return ("b", value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer():
            return ("n", int(value))
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, list):
        return ("l", tuple(json_key(v) for v in value))
    if isinstance(value, dict):
        return ("d", frozenset((k, json_key(v)) for k, v in value.items()))
    return ("?", repr(value))


def _min_opt(a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return a if b is None else b
    return min(a, b)


def _position(shape: Shape, i: int) -> tuple[Node, ...]:
    if i < len(shape.prefix):
        return shape.prefix[i]
    return shape.items or ()


def merge(a: Shape, b: Shape) -> Shape:
    """The shape of "both a and b" (allOf)."""
    enum = a.enum
    if b.enum is not None:
        enum = (
            b.enum
            if enum is None
            else tuple(v for v in enum if json_key(v) in {json_key(w) for w in b.enum})
        )
    properties = dict(a.properties)
    for name, nodes in b.properties.items():
        properties[name] = properties.get(name, ()) + nodes
    patterns = dict(a.pattern_properties)
    for pattern, nodes in b.pattern_properties.items():
        patterns[pattern] = patterns.get(pattern, ()) + nodes
    width = max(len(a.prefix), len(b.prefix))
    prefix = tuple(_position(a, i) + _position(b, i) for i in range(width))
    items = None if a.items is None and b.items is None else (a.items or ()) + (b.items or ())
    types = _meet_types(a.types, b.types)
    return Shape(
        types=types,
        enum=enum,
        lower=_tighter(a.lower, b.lower, lower=True),
        upper=_tighter(a.upper, b.upper, lower=False),
        multiple_of=a.multiple_of + b.multiple_of,
        min_length=max(a.min_length, b.min_length),
        max_length=_min_opt(a.max_length, b.max_length),
        patterns=a.patterns + b.patterns,
        format=a.format or b.format,
        properties=properties,
        required=a.required + tuple(r for r in b.required if r not in a.required),
        pattern_properties=patterns,
        additional=a.additional + b.additional,
        closed=a.closed + b.closed,
        prefix=prefix,
        items=items,
        no_items=a.no_items or b.no_items,
        min_items=max(a.min_items, b.min_items),
        max_items=_min_opt(
            _min_opt(a.max_items, len(a.prefix) if a.no_items else None),
            _min_opt(b.max_items, len(b.prefix) if b.no_items else None),
        ),
        unique=a.unique or b.unique,
        choices=a.choices + b.choices,
        default=a.default if a.default is not _NO_DEFAULT else b.default,
        never=a.never or b.never or types == frozenset() or enum == (),
    )


class Shapes:
    """Shapes of one version's nodes, built once each (memoised by the subschema's identity)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.memo: dict[tuple[int, str], Shape] = {}
        self.combined: dict[tuple[int, ...], Shape] = {}
        self.busy: set[tuple[int, str]] = set()

    def of(self, node: Node) -> Shape:
        key = (id(node.contents), node.dialect.name)
        found = self.memo.get(key)
        if found is not None:
            return found
        if key in self.busy:
            raise InputError(
                f"{self.graph.where(node.contents)}: circular $ref/allOf: the schema is "
                "defined in terms of itself with nothing in between"
            )
        self.busy.add(key)
        try:
            shape = self._build(node)
        finally:
            self.busy.discard(key)
        self.memo[key] = shape
        return shape

    def all(self, nodes: tuple[Node, ...]) -> Shape:
        """The merged shape of several nodes (all must hold), memoised by node identity."""
        if len(nodes) == 1:
            return self.of(nodes[0])
        key = tuple(id(n) for n in nodes)
        found = self.combined.get(key)
        if found is None:
            found = Shape()
            for node in nodes:
                found = merge(found, self.of(node))
            self.combined[key] = found
        return found

    def _build(self, node: Node) -> Shape:
        contents = node.contents
        if contents is True or contents == {}:
            return Shape()
        if contents is False:
            return Shape(never=True)
        if not isinstance(contents, dict):
            raise InputError(f"{self.graph.where(contents)}: a schema must be an object")
        ref = contents.get("$ref")
        if isinstance(ref, str) and node.dialect.ref_alone:
            return self.of(self.graph.follow(node, ref))
        shape = self._own(node, contents)
        if isinstance(ref, str):
            shape = merge(shape, self.of(self.graph.follow(node, ref)))
        for member in _schema_list(contents.get("allOf")):
            shape = merge(shape, self.of(self.graph.child(node, member)))
        return shape

    def _own(self, node: Node, s: dict[str, Any]) -> Shape:
        shape = Shape()
        _type_keywords(shape, s, node.dialect)
        _number_keywords(shape, s, node.dialect)
        _string_keywords(shape, s)
        self._object_keywords(shape, node, s)
        self._array_keywords(shape, node, s)
        self._choice_keywords(shape, node, s)
        if "default" in s:
            shape.default = s["default"]
        shape.never = shape.types == frozenset() or shape.enum == ()
        return shape

    def _nodes(self, node: Node, value: Any) -> tuple[Node, ...]:
        return (self.graph.child(node, value),)

    def _object_keywords(self, shape: Shape, node: Node, s: dict[str, Any]) -> None:
        props = s.get("properties")
        if isinstance(props, dict):
            shape.properties = {k: self._nodes(node, v) for k, v in props.items() if _is_schema(v)}
        required = s.get("required")
        if isinstance(required, list):
            shape.required = tuple(r for r in required if isinstance(r, str))
        patterns = s.get("patternProperties")
        if isinstance(patterns, dict):
            shape.pattern_properties = {
                k: self._nodes(node, v) for k, v in patterns.items() if _is_schema(v)
            }
        extra = s.get("additionalProperties")
        if extra is False:
            names = frozenset(props) if isinstance(props, dict) else frozenset()
            pats = tuple(patterns) if isinstance(patterns, dict) else ()
            shape.closed = ((names, pats),)
        elif isinstance(extra, dict) and extra:
            shape.additional = self._nodes(node, extra)

    def _array_keywords(self, shape: Shape, node: Node, s: dict[str, Any]) -> None:
        items = s.get("items")
        prefix = s.get("prefixItems") if not node.dialect.tuple_items else None
        after: Any = items
        if node.dialect.tuple_items and isinstance(items, list):
            prefix, after = items, s.get("additionalItems")
        if isinstance(prefix, list):
            shape.prefix = tuple(self._nodes(node, p) for p in prefix if _is_schema(p))
        if after is False:
            shape.no_items = True
            shape.max_items = len(shape.prefix)
        elif _is_schema(after) and after is not True:
            shape.items = self._nodes(node, after)
        if isinstance(s.get("minItems"), int):
            shape.min_items = s["minItems"]
        if isinstance(s.get("maxItems"), int):
            shape.max_items = _min_opt(shape.max_items, s["maxItems"])
        shape.unique = s.get("uniqueItems") is True

    def _choice_keywords(self, shape: Shape, node: Node, s: dict[str, Any]) -> None:
        groups: list[tuple[tuple[Node, ...], ...]] = []
        for keyword in ("anyOf", "oneOf"):
            branches = _schema_list(s.get(keyword))
            if branches:
                groups.append(tuple(self._nodes(node, b) for b in branches))
        if _is_schema(s.get("if")) and node.dialect.conditionals:
            condition = self._nodes(node, s["if"])
            then = self._nodes(node, s["then"]) if _is_schema(s.get("then")) else ()
            otherwise = self._nodes(node, s["else"]) if _is_schema(s.get("else")) else ()
            if then or otherwise:
                groups.append((condition + then, otherwise))
        shape.choices = tuple(groups)


def _is_schema(value: Any) -> bool:
    return isinstance(value, (dict, bool))


def _schema_list(value: Any) -> list[Any]:
    return [v for v in value if _is_schema(v)] if isinstance(value, list) else []


def _type_keywords(shape: Shape, s: dict[str, Any], dialect: Dialect) -> None:
    declared = s.get("type")
    if isinstance(declared, str):
        shape.types = frozenset({declared})
    elif isinstance(declared, list):
        shape.types = frozenset(t for t in declared if isinstance(t, str))
    if "enum" in s and isinstance(s["enum"], list):
        shape.enum = tuple(s["enum"])
    if "const" in s and dialect.numeric_exclusive:  # draft-04 has no const
        shape.enum = (s["const"],)


def _number(value: Any) -> int | float | None:
    """`value` if it is a JSON number (bools are not), else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return None


def _number_keywords(shape: Shape, s: dict[str, Any], dialect: Dialect) -> None:
    """Bounds as (value, exclusive): draft-04's boolean exclusiveMinimum/Maximum modify
    minimum/maximum; drafts 06+ give exclusive bounds as numbers of their own."""
    low, high = _number(s.get("minimum")), _number(s.get("maximum"))
    flags = not dialect.numeric_exclusive
    if low is not None:
        shape.lower = (low, flags and s.get("exclusiveMinimum") is True)
    if high is not None:
        shape.upper = (high, flags and s.get("exclusiveMaximum") is True)
    if dialect.numeric_exclusive:
        above, below = _number(s.get("exclusiveMinimum")), _number(s.get("exclusiveMaximum"))
        if above is not None:
            shape.lower = _tighter(shape.lower, (above, True), lower=True)
        if below is not None:
            shape.upper = _tighter(shape.upper, (below, True), lower=False)
    step = _number(s.get("multipleOf"))
    if step is not None and step > 0:
        shape.multiple_of = (step,)


def _string_keywords(shape: Shape, s: dict[str, Any]) -> None:
    if isinstance(s.get("minLength"), int):
        shape.min_length = s["minLength"]
    if isinstance(s.get("maxLength"), int):
        shape.max_length = s["maxLength"]
    if isinstance(s.get("pattern"), str):
        shape.patterns = (s["pattern"],)
    if isinstance(s.get("format"), str):
        shape.format = s["format"]


# ---------------------------------------------------------------------------------------------
# Reachability: every schema the root uses, checked once at load


def _subschemas(contents: dict[str, Any]) -> Iterator[Any]:
    """Every subschema a validator may enter (not `$defs`: those count only when referenced)."""
    for keyword in (
        "additionalProperties",
        "additionalItems",
        "items",
        "contains",
        "propertyNames",
        "not",
        "if",
        "then",
        "else",
        "unevaluatedProperties",
        "unevaluatedItems",
    ):
        value = contents.get(keyword)
        if _is_schema(value):
            yield value
        elif keyword == "items" and isinstance(value, list):
            yield from _schema_list(value)
    for keyword in ("properties", "patternProperties", "dependentSchemas", "dependencies"):
        value = contents.get(keyword)
        if isinstance(value, dict):
            yield from (v for v in value.values() if _is_schema(v))
    for keyword in ("allOf", "anyOf", "oneOf", "prefixItems"):
        yield from _schema_list(contents.get(keyword))


class Reach:
    """Walks everything reachable from the root once: resolves every `$ref` (so a validator
    never retrieves), checks each reached file against its meta-schema, and collects the
    keywords the generator cannot construct values for."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.files: dict[Path, Dialect] = {}
        self.ungenerated: dict[str, str] = {}  # keyword -> where first seen

    def walk(self, root: Node) -> None:
        seen: set[tuple[int, str]] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            key = (id(node.contents), node.dialect.name)
            if key in seen or not isinstance(node.contents, dict):
                continue
            seen.add(key)
            path = self.graph.file_of(node.contents)
            if path is not None and self.graph.contents.get(path) is node.contents:
                self.files.setdefault(path, node.dialect)
            stack.extend(self._next(node))

    def _next(self, node: Node) -> list[Node]:
        contents = node.contents
        for keyword in UNGENERATED:
            if keyword in contents:
                self.ungenerated.setdefault(keyword, self.graph.where(contents))
        out = [self.graph.child(node, sub) for sub in _subschemas(contents)]
        ref = contents.get("$ref")
        if isinstance(ref, str):
            target = self.graph.follow(node, ref)
            path = self.graph.file_of(target.contents)
            if path is not None:
                whole = self.graph.contents[path]
                if path not in self.files and isinstance(whole, dict):
                    self.files[path] = dialect_of(whole, target.dialect, self.graph.rel(path))
            out.append(target)
        return out

    def check_files(self) -> None:
        """Each reached file against its dialect's meta-schema: a broken schema is an input
        error here, not an odd validation result (or a crash) per example."""
        for path, dialect in self.files.items():
            problem = meta_error(self.graph.rel(path), self.graph.contents[path], dialect)
            if problem is not None:
                raise InputError(problem)


def meta_error(name: str, contents: Any, dialect: Dialect) -> str | None:
    """Why `contents` is not a valid schema of `dialect` (None if it is); regex formats too."""
    checker = dialect.validator(
        dialect.validator.META_SCHEMA, format_checker=dialect.validator.FORMAT_CHECKER
    )
    error = jsonschema_exceptions.best_match(checker.iter_errors(contents))
    if error is None:
        return None
    pointer = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    return f"{name}: not a valid {dialect.name} schema at {pointer}: {_short(error.message)}"


def _short(text: str, limit: int = MAX_MESSAGE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------
# The model


_TYPE_ORDER = {t: i for i, t in enumerate(TYPES)}
MAX_TYPE_DEPTH = 3  # array<array<…>> nesting shown in a type string


def _interval(shape: Shape) -> str:
    if shape.lower is None and shape.upper is None:
        return ""
    low = "" if shape.lower is None else _num_text(shape.lower[0])
    high = "" if shape.upper is None else _num_text(shape.upper[0])
    left = "(" if shape.lower is not None and shape.lower[1] else "["
    right = ")" if shape.upper is not None and shape.upper[1] else "]"
    return f"{left}{low}..{high}{right}"


def _num_text(value: int | float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


class Describer:
    """Turns shapes into MessageDef/FieldDef once per version, one def per object schema."""

    def __init__(self, shapes: Shapes) -> None:
        self.shapes = shapes
        self.messages: dict[tuple[int, ...], MessageDef] = {}
        self.names: set[str] = set()

    def root(self, node: Node, name: str) -> MessageDef:
        message = MessageDef(name, local="#")
        self.names.add(name)
        self.messages[(id(node.contents),)] = message
        message.fields = self._fields(self.shapes.of(node), "#")
        return message

    def _fields(self, shape: Shape, local: str) -> list[FieldDef]:
        return [
            self.field(name, nodes, f"{local}/properties/{name}")
            for name, nodes in declared(self.shapes, shape).items()
        ]

    def field(self, name: str, nodes: tuple[Node, ...], local: str) -> FieldDef:
        shape = self.shapes.all(nodes)
        definition = FieldDef(
            name=name,
            number=None,
            type=self.type_name(shape),
            category=category(self.shapes, shape),
            presence=True,
        )
        if shape.types == frozenset({"array"}) and not shape.prefix:
            items = self.shapes.all(shape.items) if shape.items else Shape()
            definition.repeated = True
            definition.category = category(self.shapes, items)
            if definition.category == MESSAGE and shape.items:
                definition.message = self.message(shape.items, items, f"{local}/items")
        elif definition.category == MESSAGE:
            definition.message = self.message(nodes, shape, local)
        if shape.default is not _NO_DEFAULT:
            definition.default = normal_number(shape.default, definition.category)
        return definition

    def message(self, nodes: tuple[Node, ...], shape: Shape, local: str) -> MessageDef:
        key = tuple(id(self._target(n).contents) for n in nodes)
        found = self.messages.get(key)
        if found is not None:
            return found
        name = local
        while name in self.names:
            name += "'"
        self.names.add(name)
        found = MessageDef(name, local=local)
        self.messages[key] = found
        found.fields = self._fields(shape, local)
        return found

    def _target(self, node: Node) -> Node:
        """Where a chain of bare `$ref`s ends: the identity of a (possibly recursive) object."""
        for _ in range(32):
            contents = node.contents
            if not (isinstance(contents, dict) and isinstance(contents.get("$ref"), str)):
                return node
            if not node.dialect.ref_alone and any(k in contents for k in _VALIDATING):
                return node
            node = self.shapes.graph.follow(node, contents["$ref"])
        return node

    def type_name(self, shape: Shape, depth: int = 0) -> str:
        """A short readable type: "integer[0..100]", "string|null", "array<number>", an enum's
        values. Bounds and enum values are part of it, so the explanation of a finding names
        the change (a lowered maximum, an added enum value)."""
        if shape.enum is not None:
            shown = [json.dumps(v, ensure_ascii=False) for v in shape.enum[:8]]
            return "|".join(shown) + ("|…" if len(shape.enum) > 8 else "")
        if shape.types is None:
            return "any"
        parts = []
        for t in sorted(shape.types, key=lambda t: _TYPE_ORDER.get(t, 99)):
            if t in ("integer", "number"):
                parts.append(t + _interval(shape))
            elif t == "string" and shape.format:
                parts.append(f"string({shape.format})")
            elif t == "array":
                parts.append(self._array_name(shape, depth))
            else:
                parts.append(t)
        if {"integer", "number"} <= shape.types:
            parts.remove("integer" + _interval(shape))
        return "|".join(parts)

    def _array_name(self, shape: Shape, depth: int) -> str:
        if depth >= MAX_TYPE_DEPTH:
            return "array<…>"
        if shape.prefix:
            inner = ", ".join(self.type_name(self.shapes.all(p), depth + 1) for p in shape.prefix)
            return f"array[{inner}]"
        if shape.items:
            return f"array<{self.type_name(self.shapes.all(shape.items), depth + 1)}>"
        return "array"


_VALIDATING = (
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "items",
    "allOf",
    "anyOf",
    "oneOf",
    "additionalProperties",
    "patternProperties",
    "minimum",
    "maximum",
    "pattern",
)


def declared(shapes: Shapes, shape: Shape) -> dict[str, tuple[Node, ...]]:
    """The properties an object schema declares: its own (with $ref/allOf), then those only its
    anyOf/oneOf/if-then-else branches declare (first declaration wins)."""
    out = dict(shape.properties)
    stack = list(shape.choices)
    seen: set[int] = set()
    while stack:
        group = stack.pop(0)
        for branch in group:
            if not branch or id(branch) in seen:
                continue
            seen.add(id(branch))
            inner = shapes.all(branch)
            for name, nodes in inner.properties.items():
                out.setdefault(name, nodes)
            stack.extend(inner.choices)
    return out


def category(shapes: Shapes, shape: Shape) -> str:
    """How values of this schema compare: typed scalars by type, objects with declared
    properties field by field, everything else (unions, enums, untyped) structurally."""
    if shape.enum is not None or shape.types is None:
        return ANY
    if shape.types == frozenset({"integer"}):
        return INT
    if shape.types in (frozenset({"number"}), frozenset({"integer", "number"})):
        return FLOAT64
    if shape.types == frozenset({"boolean"}):
        return BOOL
    if shape.types == frozenset({"string"}):
        return STRING
    if shape.is_object() and declared(shapes, shape):
        return MESSAGE
    return ANY


def normal_number(value: Any, kind: str) -> Any:
    """A "number" value as a float where that is exact (5 -> 5.0), so a number read by two
    versions compares by bit pattern whether the bytes said `5` or `5.0`; a value a float cannot
    hold exactly (2**53 + 1) stays an int."""
    if kind != FLOAT64 or isinstance(value, bool) or not isinstance(value, int):
        return value
    try:
        as_float = float(value)
    except OverflowError:
        return value
    return as_float if math.isfinite(as_float) and int(as_float) == value else value


# ---------------------------------------------------------------------------------------------
# Views


Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _number_view(value: Any) -> Any:
    return normal_number(value, FLOAT64)


def plain_view(value: Any) -> Any:
    """An untyped value with every JSON object as a View of all its keys, so it compares key
    by key with an object another version declares (whose view holds only its declared keys):
    a property that loses its declared properties in the reader is no difference by itself."""
    if isinstance(value, dict):
        return View({k: plain_view(v) for k, v in value.items()}, set(value))
    if isinstance(value, list):
        return [plain_view(v) for v in value]
    return value


class Viewer:
    """One view function per MessageDef, built once; applied to each validated instance."""

    def __init__(self) -> None:
        self.builders: dict[str, Callable[[Any], View]] = {}

    def builder(self, message: MessageDef) -> Callable[[Any], View]:
        found = self.builders.get(message.name)
        if found is not None:
            return found
        steps: list[tuple[str, Convert, Any]] = []

        def build(instance: Any) -> View:
            values: dict[str, Any] = {}
            present: set[str] = set()
            if not isinstance(instance, dict):
                instance = {}
            for name, convert, default in steps:
                if name in instance:
                    present.add(name)
                    values[name] = convert(instance[name])
                else:
                    values[name] = default
            return View(values, present)

        self.builders[message.name] = build
        for f in message.fields:
            convert = self._convert(f)
            default = convert(f.default) if f.default is not None else None
            steps.append((f.name, convert, default))
        return build

    def _convert(self, f: FieldDef) -> Convert:
        element: Convert = _same
        if f.category == MESSAGE and f.message is not None:
            sub = self.builder(f.message)

            def element(value: Any) -> Any:
                return sub(value) if isinstance(value, dict) else value

        elif f.category == FLOAT64:
            element = _number_view
        elif f.category == ANY:
            element = plain_view
        if not f.repeated or element is _same:
            return element

        def each(value: Any) -> Any:
            return [element(v) for v in value] if isinstance(value, list) else value

        return each


# ---------------------------------------------------------------------------------------------
# The codec of one version


class JsonSchemaVersion(DepthSamplers):
    """One loaded JSON Schema version: graph, model, validator, views and generator."""

    default_depth = JSON_MAX_DEPTH

    def __init__(self, path: Path, name: str, root: str | None) -> None:
        # A single file (a candidate) is its own root; its refs may name .json files beside it.
        version_dir, root_file = (path.parent, path) if path.is_file() else (path, None)
        files = schema_files(version_dir, recursive=root_file is None)
        if not files:
            raise InputError(f"no .json files in {version_dir}")
        root_path = root_file or choose_root(files, root, version_dir, name)
        self.name = name
        self.graph = Graph(version_dir, files, name)
        default = dialect_of(self.graph.contents[root_path], _DIALECTS["2020-12"], root_path.name)
        self.graph.build(default)
        self.node = self.graph.root(root_path, default)
        self.shapes = Shapes(self.graph)
        self.ungenerated = self._reach(root_path)
        title = self.node.contents.get("title") if isinstance(self.node.contents, dict) else None
        label = title if isinstance(title, str) and title else root_path.name
        self.root = Describer(self.shapes).root(self.node, label)
        self._view = Viewer().builder(self.root)
        # One validator per version, for the writer's check and every read: the same
        # implementation and configuration on both sides (format assertion off).
        wrapper = {"$ref": root_path.resolve().as_uri()}
        self.validator = self.node.dialect.validator(
            wrapper, registry=self.graph.final_registry(), format_checker=None
        )

    def _reach(self, root_path: Path) -> dict[str, str]:
        """Check what the root reaches (refs, meta-schemas, an object root); warn once about
        keywords the generator cannot build."""
        reach = Reach(self.graph)
        reach.walk(self.node)
        reach.check_files()
        shape = self.shapes.of(self.node)
        if shape.types is not None and "object" not in shape.types:
            raise InputError(
                f"root schema {self.graph.rel(root_path)} is not an object schema "
                f"(type {sorted(shape.types)})"
            )
        if reach.ungenerated:
            listed = ", ".join(f"{k} ({w})" for k, w in reach.ungenerated.items())
            warnings.warn(
                f"version {self.name}: the generator cannot construct values for {listed}; "
                "instances that fail them are discarded",
                stacklevel=4,
            )
        return reach.ungenerated

    def _build_sampler(self, depth: int) -> Any:
        """Instances nested `depth` levels deep."""
        from schemafuzz._internal.formats.jsonschema_strategies import instance_sampler

        return instance_sampler(self, depth)

    def encode(self, value: Any, encoding: str) -> bytes:
        if encoding == "cbor":
            return cbor2.dumps(value)
        return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")

    def decode(self, data: bytes, encoding: str, writer: Any = None) -> View:
        """Parse, validate as this reader, view; a JSON Schema reader never sees the writer's
        schema, so `writer` is unused."""
        try:
            instance = cbor2.loads(data) if encoding == "cbor" else json.loads(data)
        except Exception as exc:  # every parse error is this reader's failure
            raise DecodeFailure(f"not {encoding}: {_short(str(exc))}") from None
        self.check(instance)
        return self._view(instance)

    def check(self, instance: Any) -> None:
        """Validate as the reader does; a failure names the property it is about."""
        try:
            first = next(self.validator.iter_errors(instance), None)
            if first is None:
                return
            error = jsonschema_exceptions.best_match([first, *self.validator.iter_errors(instance)])
        except Exception as exc:  # the validator itself failing is this reader's failure too
            raise DecodeFailure(f"validator raised {type(exc).__name__}: {exc}") from None
        assert error is not None
        keys = error_keys(error)
        at = "/".join(keys) or "(root)"
        raise DecodeFailure(f"{at}: {_short(error.message)}", keys)

    def is_valid(self, instance: Any) -> bool:
        try:
            return bool(self.validator.is_valid(instance))
        except Exception:
            return False

    def build(self, plain: dict[str, Any]) -> dict[str, Any]:
        """An instance from plain view values (a reconnect snapshot of the writer's state)."""
        return plain

    def relay(self, data: bytes, encoding: str, writer: Any = None) -> bytes:
        """A gateway on this version: parse, validate, forward the properties it declares."""
        from schemafuzz._internal.values import view_to_plain

        return self.encode(view_to_plain(self.decode(data, encoding), self.root), encoding)

    def example_json(self, value: Any) -> Any:
        return value


def error_keys(error: Any) -> tuple[str, ...]:
    """The property path a validation error is about, outermost first (array indices dropped).
    For a property a closed object forbids or a required one missing: that property itself."""
    keys = tuple(k for k in error.absolute_path if isinstance(k, str))
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [k for k in error.validator_value if k not in error.instance]
        return (*keys, missing[0]) if missing else keys
    if error.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(
        error.instance, dict
    ):
        schema = error.schema if isinstance(error.schema, dict) else {}
        known = schema.get("properties", {}) if isinstance(schema.get("properties"), dict) else {}
        patterns = schema.get("patternProperties", {})
        patterns = patterns if isinstance(patterns, dict) else {}
        for key in error.instance:
            if key not in known and not any(re.search(p, key) for p in patterns):
                return (*keys, key)
    return keys


def load_version(
    path: Path, *, name: str, root: str | None, options: dict[str, Any]
) -> JsonSchemaVersion:
    """Load one version: a directory of .json schema files (or one file, which is the root).

    Every input error names the version, unless it already names the file by its full path.
    """
    try:
        return JsonSchemaVersion(path, name, root)
    except InputError as exc:
        message = str(exc)
        if message.startswith("version ") or str(path) in message:
            raise
        raise InputError(f"version {name}: {message}") from None
