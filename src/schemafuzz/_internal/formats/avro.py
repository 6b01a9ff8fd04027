"""Apache Avro: load .avsc versions, describe them, encode and decode with fastavro.

Each version's schema files are parsed once. Two schema variants are kept: the original (for the
model: types, logical types, aliases, defaults) and a *raw* one with every `logicalType` removed,
which the codec uses. fastavro decodes logical types by the **writer's** annotation; a reader on
any other stack applies its **own** declared logical type to the raw value. So schemafuzz decodes
raw values and each version's view builder applies that version's declared types: float32
rounding for `float`, its own scale for `decimal`, its own unit for timestamps. That is the value
as the reader's declared type holds it.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import SchemaParseException, UnknownType

from schemafuzz._internal.errors import InputError, decode_text
from schemafuzz._internal.model import (
    ANY,
    AVRO_MAX_DEPTH,
    BOOL,
    BYTES,
    ENUM,
    FLOAT32,
    FLOAT64,
    INT,
    MESSAGE,
    STRING,
    DecodeFailure,
    DepthSamplers,
    Encoding,
    EnumDef,
    FieldDef,
    Logical,
    MessageDef,
    View,
)
from schemafuzz._internal.values import to_float32

FORMAT = "avro"
ENCODINGS = (Encoding("avro-binary", "name"), Encoding("avro-json", "name"))
OPTIONS: dict[str, tuple[str, ...]] = {}
NAMED = ("record", "error", "enum", "fixed")
PRIMITIVE_CATEGORY = {
    "boolean": BOOL,
    "int": INT,
    "long": INT,
    "float": FLOAT32,
    "double": FLOAT64,
    "bytes": BYTES,
    "string": STRING,
    "null": ANY,
}

# ---------------------------------------------------------------------------------------------
# Loading


def _read_json(path: Path) -> Any:
    text = decode_text(path, path.read_bytes())
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None


def _strip_logical(schema: Any) -> Any:
    """The schema with every logicalType removed: the codec works on raw values."""
    if isinstance(schema, dict):
        return {k: _strip_logical(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [_strip_logical(item) for item in schema]
    return schema


def _top_level(document: Any) -> list[Any]:
    return document if isinstance(document, list) else [document]


def _full_name(schema: dict[str, Any], namespace: str) -> str:
    name = str(schema.get("name", ""))
    if "." in name:
        return name
    space = schema.get("namespace", namespace) or ""
    return f"{space}.{name}" if space else name


class _Names:
    """Every named type of a version by full name, with the namespace it was defined in."""

    def __init__(self) -> None:
        self.types: dict[str, dict[str, Any]] = {}
        self.top_records: list[str] = []

    def index(self, schema: Any, namespace: str, top: bool) -> None:
        if isinstance(schema, list):
            for item in schema:
                self.index(item, namespace, top)
            return
        if not isinstance(schema, dict):
            return
        kind = schema.get("type")
        if kind in NAMED and "name" in schema:
            full = _full_name(schema, namespace)
            self.types[full] = schema
            if top and kind in ("record", "error"):
                self.top_records.append(full)
            namespace = full.rpartition(".")[0]
            for field in schema.get("fields", []):
                if isinstance(field, dict):
                    self.index(field.get("type"), namespace, False)
        elif isinstance(kind, (dict, list)):
            self.index(kind, namespace, False)
        for key in ("items", "values"):
            if key in schema:
                self.index(schema[key], namespace, False)

    def resolve(self, reference: str, namespace: str) -> dict[str, Any] | None:
        if namespace and "." not in reference and f"{namespace}.{reference}" in self.types:
            return self.types[f"{namespace}.{reference}"]
        return self.types.get(reference)


def _describe_default_error(files: list[tuple[Path, Any]], message: str) -> str:
    """Name the record and field whose default fastavro rejects (it does not say which)."""
    for path, document in files:
        for record in _records(document):
            for field in record.get("fields", []):
                if "default" in field and isinstance(field, dict):
                    try:
                        fastavro.parse_schema(
                            {"type": "record", "name": "Probe", "fields": [field]},
                            named_schemas={},
                        )
                    except UnknownType:
                        continue
                    except SchemaParseException as exc:
                        at = _line_of(path, str(field.get("name")))
                        return (
                            f"{path}{at}: record {record.get('name')} field {field.get('name')!r}: "
                            f"{exc} (the Avro specification requires a default of the field's "
                            "type; fastavro and other strict parsers reject this schema)"
                        )
    return message


def _records(schema: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(schema, list):
        for item in schema:
            found.extend(_records(item))
    elif isinstance(schema, dict):
        if schema.get("type") in ("record", "error"):
            found.append(schema)
            for field in schema.get("fields", []):
                if isinstance(field, dict):
                    found.extend(_records(field.get("type")))
        for key in ("type", "items", "values"):
            if isinstance(schema.get(key), (dict, list)):
                found.extend(_records(schema[key]))
    return found


def _parse_all(files: list[tuple[Path, Any]], version: str) -> dict[str, Any]:
    """Parse every file's named types (raw variant) into one named_schemas, in dependency order."""
    named: dict[str, Any] = {}
    pending = list(files)
    while pending:
        progress = False
        missing: dict[Path, str] = {}
        for path, document in list(pending):
            trial = dict(named)
            try:
                for schema in _top_level(document):
                    fastavro.parse_schema(_strip_logical(schema), named_schemas=trial)
            except UnknownType as exc:
                missing[path] = str(exc)
                continue
            except SchemaParseException as exc:
                text = str(exc)
                if "Default value" in text:
                    raise InputError(_describe_default_error(files, f"{path}: {text}")) from None
                raise InputError(f"{path}: invalid Avro schema: {text}") from None
            except (TypeError, KeyError, AttributeError, ValueError) as exc:
                raise InputError(f"{path}: invalid Avro schema: {exc}") from None
            named = trial
            pending.remove((path, document))
            progress = True
        if not progress:
            path, name = next(iter(missing.items()))
            at = _line_of(path, name) or _line_of(path, name.rpartition(".")[2])
            raise InputError(
                f"{path}{at}: unknown named type {name!r} "
                f"(no .avsc file of version {version} defines it)"
            )
    return named


def _line_of(path: Path, name: str) -> str:
    """`:line` of the first `"name"` in the file's text, for messages; empty when absent."""
    text = path.read_text(encoding="utf-8")
    found = text.find(json.dumps(name))
    return f":{text.count(chr(10), 0, found) + 1}" if found >= 0 else ""


# ---------------------------------------------------------------------------------------------
# Model and views


Converter = Callable[[Any], Any]


def _octets(raw: Any) -> Any:
    """Bytes as the schema's default gives them: fastavro fills a missing bytes or fixed field
    with its JSON default, a string of code points 0-255 (the Avro spec's notation)."""
    return raw.encode("latin-1") if isinstance(raw, str) else raw


def _twos_complement(data: bytes) -> int:
    return int.from_bytes(data, "big", signed=True) if data else 0


_MICROS = {
    "timestamp-millis": ("timestamp", 1000),
    "timestamp-micros": ("timestamp", 1),
    "local-timestamp-millis": ("local-timestamp", 1000),
    "local-timestamp-micros": ("local-timestamp", 1),
    "time-millis": ("time", 1000),
    "time-micros": ("time", 1),
}


def _logical_converter(schema: dict[str, Any]) -> tuple[str, Converter] | None:
    """(label, raw -> Logical) for a logical type this version declares, if it is one we know."""
    logical = schema.get("logicalType")
    base = schema.get("type")
    if logical in _MICROS:
        family, factor = _MICROS[logical]
        return logical, lambda raw: Logical(
            raw, (family, raw * factor), _show_time(family, raw * factor)
        )
    if logical == "date" and base == "int":
        return logical, lambda raw: Logical(raw, ("date", raw), _show_date(raw))
    if logical == "decimal" and base in ("bytes", "fixed"):
        scale = int(schema.get("scale", 0))
        label = f"decimal({schema.get('precision')},{scale})"

        def decimal(raw: bytes) -> Logical:
            raw = _octets(raw)
            value = Decimal(_twos_complement(raw)).scaleb(-scale)
            return Logical(raw, ("decimal", value), str(value))

        return label, decimal
    if logical == "uuid" and base == "string":
        return logical, lambda raw: Logical(raw, ("uuid", raw), raw)
    if logical == "duration" and base == "fixed":

        def duration(raw: bytes) -> Logical:
            raw = _octets(raw)
            months, days, millis = (int.from_bytes(raw[i : i + 4], "little") for i in (0, 4, 8))
            return Logical(raw, ("duration", months, days, millis), f"P{months}M{days}DT{millis}ms")

        return logical, duration
    return None


def _show_time(family: str, micros: int) -> str:
    import datetime

    try:
        if family == "time":
            return str(datetime.timedelta(microseconds=micros))
        base = datetime.datetime(1970, 1, 1)
        shown = (base + datetime.timedelta(microseconds=micros)).isoformat()
        return shown + ("Z" if family == "timestamp" else "")
    except OverflowError:
        return f"{family} {micros}us"


def _show_date(days: int) -> str:
    import datetime

    try:
        return (datetime.date(1970, 1, 1) + datetime.timedelta(days=days)).isoformat()
    except OverflowError:
        return f"date {days}"


def _identity(value: Any) -> Any:
    return value


def _float32(value: Any) -> Any:
    return to_float32(value) if isinstance(value, float) else value


def _double(value: Any) -> Any:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class _Describer:
    """The model and the view converters of one version, built once per named type."""

    def __init__(self, names: _Names) -> None:
        self.names = names
        self.messages: dict[str, MessageDef] = {}
        self.builders: dict[str, Converter] = {}
        self.tree_builders: dict[str, Converter] = {}
        self.enums: dict[str, EnumDef] = {}

    def record(
        self, schema: dict[str, Any], namespace: str, tree: bool = False
    ) -> tuple[MessageDef, Converter]:
        """The record's model and its raw -> view converter. In a plain tree (`tree`: a general
        union's branch, an element of nested containers) enum values stay symbols, since their
        numbers are per version and nothing there maps them by name."""
        full = _full_name(schema, namespace)
        if tree:
            message, _ = self.record(schema, namespace)
            if full not in self.tree_builders:
                tree_steps: list[tuple[str, bool, Converter]] = []
                self.tree_builders[full] = _view_builder(tree_steps)
                inner = full.rpartition(".")[0]
                for field in schema.get("fields", []):
                    definition, nullable, convert = self.field(field, inner, tree=True)
                    tree_steps.append((definition.name, nullable, convert))
            return message, self.tree_builders[full]
        if full in self.messages:
            return self.messages[full], self.builders[full]
        message = MessageDef(full, local=full.rpartition(".")[2])
        steps: list[tuple[str, bool, Converter]] = []

        self.messages[full] = message
        self.builders[full] = build = _view_builder(steps)
        inner = full.rpartition(".")[0]
        for field in schema.get("fields", []):
            definition, nullable, convert = self.field(field, inner)
            message.fields.append(definition)
            steps.append((definition.name, nullable, convert))
        return message, build

    def field(
        self, field: dict[str, Any], namespace: str, tree: bool = False
    ) -> tuple[FieldDef, bool, Converter]:
        schema = field["type"]
        nullable = False
        if isinstance(schema, list) and len(schema) == 2 and "null" in schema:
            nullable = True
            schema = next(s for s in schema if s != "null")
        definition = FieldDef(name=field["name"], number=None, type="", category=ANY)
        definition.aliases = tuple(field.get("aliases", ()))
        definition.presence = nullable
        convert = self._type(schema, namespace, definition, tree)
        if nullable:
            definition.type = f"{definition.type}|null"
        return definition, nullable, convert

    def _type(self, schema: Any, namespace: str, into: FieldDef, tree: bool = False) -> Converter:
        """Fill `into` with the type's description and return the raw -> view converter."""
        if isinstance(schema, str) and schema not in PRIMITIVE_CATEGORY:
            named = self.names.resolve(schema, namespace)
            if named is None:
                raise InputError(f"unknown named type {schema!r}")
            schema = named
        if isinstance(schema, str):
            into.type, into.category = schema, PRIMITIVE_CATEGORY[schema]
            return {"float": _float32, "double": _double, "bytes": _octets}.get(schema, _identity)
        if isinstance(schema, list):
            into.type = "union<" + ",".join(_type_label(s) for s in schema) + ">"
            into.category = ANY
            return self._union(schema, namespace)  # its branches are plain trees
        kind = schema.get("type")
        logical = _logical_converter(schema)
        if logical is not None:
            label, convert = logical
            base = kind if kind in PRIMITIVE_CATEGORY else "bytes"
            into.type, into.category, into.logical = (
                f"{kind} ({label})",
                PRIMITIVE_CATEGORY[base],
                label,
            )
            return convert
        if kind in ("record", "error"):
            message, build = self.record(schema, namespace, tree)
            into.type, into.category, into.message = message.local, MESSAGE, message
            return build
        if kind == "enum":
            enum = self._enum(schema, namespace)
            into.type, into.category, into.enum = enum.name.rpartition(".")[2], ENUM, enum
            if tree:
                return _identity
            numbers = enum.numbers
            return lambda symbol: numbers.get(symbol, symbol)
        if kind == "fixed":
            into.type, into.category = f"fixed({schema.get('size')})", BYTES
            return _octets
        if kind in ("array", "map"):
            inner = schema["items" if kind == "array" else "values"]
            if _is_container(inner):
                # Lists of lists, maps of lists…: the model has one level of repetition, so the
                # elements are plain trees (logical values and records still viewed), compared
                # deeply.
                scratch = FieldDef(name="", number=None, type="", category=ANY)
                element = self._type(inner, namespace, scratch, tree=True)
                into.category = ANY
                inner_type = scratch.type
            else:
                element = self._type(inner, namespace, into, tree)
                inner_type = into.type
            if kind == "array":
                into.repeated = True
                into.type = f"array<{inner_type}>"
                return lambda items: [element(item) for item in items]
            into.is_map, into.key_category, into.key_type = True, STRING, "string"
            into.type = f"map<{inner_type}>"
            return lambda entries: {k: element(v) for k, v in entries.items()}
        if isinstance(kind, (str, list, dict)):
            return self._type(kind, namespace, into, tree)
        raise InputError(f"unsupported Avro type {schema!r}")

    def _enum(self, schema: dict[str, Any], namespace: str) -> EnumDef:
        full = _full_name(schema, namespace)
        if full not in self.enums:
            numbers = {symbol: i for i, symbol in enumerate(schema.get("symbols", []))}
            self.enums[full] = EnumDef(full, numbers, by_number=False)
        return self.enums[full]

    def _union(self, branches: list[Any], namespace: str) -> Converter:
        """General unions stay plain values, except that records become views, also inside
        the union's array or map branch."""
        converters = []
        for branch in branches:
            scratch = FieldDef(name="", number=None, type="", category=ANY)
            converters.append((scratch, self._type(branch, namespace, scratch, tree=True)))
        # fastavro reads a record branch as a dict holding every field of the record: a dict is
        # the record whose field names it has exactly, else the map branch's value.
        records = [
            (frozenset(f.name for f in scratch.message.fields), convert)
            for scratch, convert in converters
            if scratch.category == MESSAGE and scratch.message is not None
        ]
        # A union holds at most one array and one map (the specification forbids two).
        array = next((c for scratch, c in converters if scratch.repeated), None)
        mapping = next((c for scratch, c in converters if scratch.is_map), None)

        def convert(value: Any) -> Any:
            if isinstance(value, dict):
                keys = value.keys()
                found = [c for names, c in records if keys == names]
                if len(found) == 1:
                    return found[0](value)
                return mapping(value) if mapping is not None else value
            if isinstance(value, list) and array is not None:
                return array(value)
            return value

        return convert


def _view_builder(steps: list[tuple[str, bool, Converter]]) -> Converter:
    """A record's raw dict -> View, field by field (`steps` may be filled after this call)."""

    def build(record: dict[str, Any]) -> View:
        values: dict[str, Any] = {}
        present: set[str] = set()
        for name, nullable, convert in steps:
            value = record.get(name)
            if value is None and nullable:
                values[name] = None
                continue
            values[name] = convert(value)
            present.add(name)
        return View(values, present)

    return build


def _is_container(schema: Any) -> bool:
    """An array or map schema (written inline; named types are never containers)."""
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    return kind in ("array", "map") or _is_container(kind)


def _type_label(schema: Any) -> str:
    if isinstance(schema, str):
        return schema
    if isinstance(schema, list):
        return "union"
    kind = schema.get("type")
    return str(schema.get("name") or kind)


# ---------------------------------------------------------------------------------------------
# The codec of one version


class AvroVersion(DepthSamplers):
    """One loaded Avro version: raw parsed schema for the codec, model, views and strategy."""

    default_depth = AVRO_MAX_DEPTH

    def __init__(self, files: list[tuple[Path, Any]], root: str | None, name: str) -> None:
        self.name = name
        names = _Names()
        for _, document in files:
            names.index(document, "", top=True)
        self.root_name = _resolve_root(names, root, name)
        named = _parse_all(files, name)
        root_schema = names.types[self.root_name]
        others = {k: v for k, v in named.items() if k != self.root_name}
        self.raw = fastavro.parse_schema(_strip_logical(root_schema), named_schemas=others)
        self.original = root_schema
        self.names = names
        describer = _Describer(names)
        try:
            self.root, self._view = describer.record(root_schema, "")
        except InputError as exc:
            raise InputError(f"version {name}: {exc}") from None

    def _build_sampler(self, depth: int) -> Any:
        from schemafuzz._internal.formats.avro_strategies import record_sampler

        return record_sampler(self.original, self.names, depth)

    def encode(self, value: Any, encoding: str) -> bytes:
        if encoding == "avro-binary":
            buffer = io.BytesIO()
            fastavro.schemaless_writer(buffer, self.raw, value)
            return buffer.getvalue()
        text = io.StringIO()
        fastavro.json_writer(text, self.raw, [value])
        return text.getvalue().encode("utf-8")

    def decode(self, data: bytes, encoding: str, writer: Any) -> View:
        """Resolve the writer's schema into this version's, as a real Avro reader does."""
        try:
            if encoding == "avro-binary":
                buffer = io.BytesIO(data)
                record = fastavro.schemaless_reader(buffer, writer.raw, self.raw)
                left = len(data) - buffer.tell()
                if left and writer is self:
                    # What this version wrote has nothing after the record: a captured file
                    # with leftovers is truncated, of another version, or not this encoding.
                    raise ValueError(f"{left} bytes left after the record")
            else:
                stream = io.StringIO(data.decode("utf-8"))
                record = next(iter(fastavro.json_reader(stream, writer.raw, self.raw)))
        except Exception as exc:  # every resolution or decoding error is this reader's failure
            message = str(exc).strip().splitlines()
            text = message[0] if message else ""
            field = _NO_DEFAULT.search(text)
            keys = (field.group(1),) if field else ()
            types = _MISMATCH.search(text)
            mismatch = (types.group(1), types.group(2)) if types else None
            raise DecodeFailure(f"{type(exc).__name__}: {text}", keys, mismatch) from None
        view: View = self._view(record)
        return view

    def build(self, plain: dict[str, Any]) -> dict[str, Any]:
        """A raw record from plain view values (a reconnect snapshot of the writer's state)."""
        return _record(plain, self.root)

    def relay(self, data: bytes, encoding: str, writer: Any) -> bytes:
        """Read with the writer's schema resolved into this one, write with this one."""
        if encoding == "avro-binary":
            record = fastavro.schemaless_reader(io.BytesIO(data), writer.raw, self.raw)
        else:
            stream = io.StringIO(data.decode("utf-8"))
            record = next(iter(fastavro.json_reader(stream, writer.raw, self.raw)))
        return self.encode(record, encoding)

    def example_json(self, value: Any) -> Any:
        from schemafuzz._internal.values import jsonable

        return jsonable(_untuple(value))


def _record(plain: dict[str, Any], definition: MessageDef) -> dict[str, Any]:
    return {f.name: _raw_value(plain.get(f.name), f) for f in definition.fields}


def _raw_value(value: Any, field: FieldDef) -> Any:
    """A view value back to what fastavro writes: symbols for enums, raw logical values."""
    if value is None:
        return None
    if isinstance(value, Logical):
        return value.raw
    if isinstance(value, list):
        return [_raw_value(v, field) for v in value] if field.repeated else value
    if isinstance(value, dict) and field.is_map:
        return {k: _raw_item(v, field) for k, v in value.items()}
    return _raw_item(value, field)


def _raw_item(value: Any, field: FieldDef) -> Any:
    if isinstance(value, Logical):
        return value.raw
    if isinstance(value, dict) and field.message is not None:
        return _record(value, field.message)
    if field.enum is not None and isinstance(value, int) and not isinstance(value, bool):
        return field.enum.names.get(value, value)
    return value


_NO_DEFAULT = re.compile(r"No default value for field (\w+)")
_MISMATCH = re.compile(r"Schema mismatch: (\w+) is not (\w+)")


def _untuple(value: Any) -> Any:
    """Union values written in fastavro's tuple notation, shown as Avro JSON does: {type: value}."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return {value[0]: _untuple(value[1])}
    if isinstance(value, dict):
        return {k: _untuple(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untuple(v) for v in value]
    return value


def _resolve_root(names: _Names, root: str | None, version: str) -> str:
    records = [n for n, s in names.types.items() if s.get("type") in ("record", "error")]
    if root is None:
        if len(names.top_records) == 1:
            return names.top_records[0]
        listed = ", ".join(names.top_records[:8])
        raise InputError(
            f"version {version}: several top-level records could be the root ({listed}); "
            "set root in family.toml or pass --root"
        )
    if root in records:
        return root
    matches = [n for n in records if n.rpartition(".")[2] == root or n.endswith("." + root)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise InputError(f"version {version}: root {root!r} is ambiguous ({', '.join(matches)})")
    raise InputError(
        f"version {version}: root record {root!r} not found (records: {', '.join(records[:8])})"
    )


def load_version(
    path: Path, *, name: str, root: str | None, options: dict[str, Any]
) -> AvroVersion:
    """Load one version: a directory of .avsc files (or one .avsc file)."""
    paths = sorted(path.rglob("*.avsc")) if path.is_dir() else [path]
    if not paths:
        raise InputError(f"version {name}: no .avsc files in {path}")
    files = [(p, _read_json(p)) for p in paths]
    return AvroVersion(files, root, name)
