"""Protocol Buffers: compile a version with the bundled protoc; describe, encode, decode it.

Every version gets its own DescriptorPool, so two versions with the same file, package and
message names stay apart. Everything here runs once per version; the per-example work is
`encode` and `decode`, which only touch prebuilt classes and view builders.
"""

from __future__ import annotations

import importlib.resources
import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

from schemafuzz._internal.errors import InputError, decode_text
from schemafuzz._internal.model import (
    BOOL,
    BYTES,
    ENUM,
    FLOAT32,
    FLOAT64,
    INT,
    MAX_DEPTH,
    MESSAGE,
    STRING,
    DecodeFailure,
    DepthSamplers,
    Encoding,
    EnumDef,
    FieldDef,
    MessageDef,
    View,
)

FORMAT = "proto"
SCHEMA_EXTENSIONS = (".proto",)
DESCRIPTOR_SET_EXTENSIONS = (".binpb", ".pb", ".desc")
ENCODINGS = (Encoding("proto-binary", "number"), Encoding("proto-json", "name"))
OPTIONS = {"proto_json_unknown": ("reject", "ignore")}

F = FieldDescriptor
_TYPE_NAMES = {
    F.TYPE_DOUBLE: "double",
    F.TYPE_FLOAT: "float",
    F.TYPE_INT64: "int64",
    F.TYPE_UINT64: "uint64",
    F.TYPE_INT32: "int32",
    F.TYPE_FIXED64: "fixed64",
    F.TYPE_FIXED32: "fixed32",
    F.TYPE_BOOL: "bool",
    F.TYPE_STRING: "string",
    F.TYPE_GROUP: "group",
    F.TYPE_MESSAGE: "message",
    F.TYPE_BYTES: "bytes",
    F.TYPE_UINT32: "uint32",
    F.TYPE_ENUM: "enum",
    F.TYPE_SFIXED32: "sfixed32",
    F.TYPE_SFIXED64: "sfixed64",
    F.TYPE_SINT32: "sint32",
    F.TYPE_SINT64: "sint64",
}
_WIRE = {
    F.TYPE_DOUBLE: "i64",
    F.TYPE_FIXED64: "i64",
    F.TYPE_SFIXED64: "i64",
    F.TYPE_FLOAT: "i32",
    F.TYPE_FIXED32: "i32",
    F.TYPE_SFIXED32: "i32",
    F.TYPE_STRING: "len",
    F.TYPE_BYTES: "len",
    F.TYPE_MESSAGE: "len",
    F.TYPE_GROUP: "group",
}
_CATEGORY = {
    F.TYPE_DOUBLE: FLOAT64,
    F.TYPE_FLOAT: FLOAT32,
    F.TYPE_BOOL: BOOL,
    F.TYPE_STRING: STRING,
    F.TYPE_BYTES: BYTES,
    F.TYPE_ENUM: ENUM,
    F.TYPE_MESSAGE: MESSAGE,
    F.TYPE_GROUP: MESSAGE,
}
INT_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "sint32": (-(2**31), 2**31 - 1),
    "sfixed32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "fixed32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "sint64": (-(2**63), 2**63 - 1),
    "sfixed64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
    "fixed64": (0, 2**64 - 1),
}


def type_name(field: FieldDescriptor) -> str:
    if field.type in (F.TYPE_MESSAGE, F.TYPE_GROUP):
        return str(field.message_type.full_name)
    if field.type == F.TYPE_ENUM:
        return str(field.enum_type.full_name)
    return _TYPE_NAMES[field.type]


def is_map(field: FieldDescriptor) -> bool:
    return bool(
        field.is_repeated
        and field.type == F.TYPE_MESSAGE
        and field.message_type.GetOptions().map_entry
    )


# ---------------------------------------------------------------------------------------------
# Compiling


def _wkt_include() -> str:
    return str(importlib.resources.files("grpc_tools") / "_proto")


def _run_protoc(args: list[str]) -> tuple[int, str]:
    """Run the bundled protoc in-process; its errors go to fd 2, so capture that fd."""
    from grpc_tools import protoc

    with tempfile.TemporaryFile() as err:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(err.fileno(), 2)
        try:
            code = protoc.main(["protoc", *args])
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        err.seek(0)
        return int(code), err.read().decode("utf-8", "replace")


_PROTOC_LOCATION = re.compile(r"^(?P<file>[^:\n]+\.proto):(?P<at>\d+:\d+):\s*(?P<text>.*)$")


def _protoc_message(text: str, version_dir: Path, version: str) -> str:
    """protoc's first error as one line, its file path made relative to the family; a missing
    import is named at the import statement that asks for it."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if ": warning:" not in line] or lines
    missing = next(
        (line.split(":")[0] for line in errors if line.endswith("File not found.")), None
    )
    for line in errors:
        match = _PROTOC_LOCATION.match(line)
        if missing is not None:
            if match and f'Import "{missing}"' in match["text"]:
                where = _protoc_path(match["file"], version_dir)
                return f"{where}:{match['at']}: import {missing!r} not found in {version_dir}"
            continue
        if match:
            return f"{_protoc_path(match['file'], version_dir)}:{match['at']}: {match['text']}"
        return line
    if missing is not None:
        return f"version {version}: import {missing!r} not found in {version_dir}"
    return f"protoc failed on version {version} in {version_dir}"


def _protoc_path(named: str, version_dir: Path) -> Path:
    """protoc names a file as found through -I: on disk already, or relative to it."""
    return Path(named) if Path(named).exists() else version_dir / named


def compile_version(
    version_dir: Path, version: str, only: list[str] | None = None
) -> descriptor_pb2.FileDescriptorSet:
    """Compile every .proto under `version_dir` (imports resolve from it) to a descriptor set."""
    files = only or sorted(
        p.relative_to(version_dir).as_posix() for p in version_dir.rglob("*.proto") if p.is_file()
    )
    if not files:
        raise InputError(f"version {version}: no .proto files in {version_dir}")
    for rel in files:
        _check_text(version_dir / rel)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set.pb"
        code, err = _run_protoc(
            [
                f"-I{version_dir}",
                f"-I{_wkt_include()}",
                "--include_imports",
                "--include_source_info",
                f"--descriptor_set_out={out}",
                *files,
            ]
        )
        if code != 0:
            raise InputError(_protoc_message(err, version_dir, version))
        return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def _check_text(path: Path) -> None:
    data = path.read_bytes()
    decode_text(path, data)
    if b"\x00" in data:
        raise InputError(f"{path}: binary data, not a .proto source file")


def read_descriptor_set(path: Path) -> descriptor_pb2.FileDescriptorSet:
    try:
        fds = descriptor_pb2.FileDescriptorSet.FromString(path.read_bytes())
    except Exception as exc:  # protobuf raises DecodeError and others on junk
        raise InputError(f"{path}: not a protobuf FileDescriptorSet ({exc})") from None
    if not fds.file:
        raise InputError(f"{path}: descriptor set holds no files")
    return fds


def build_pool(
    fds: descriptor_pb2.FileDescriptorSet, where: Path
) -> descriptor_pool.DescriptorPool:
    pool = descriptor_pool.DescriptorPool()
    for file_proto in fds.file:
        try:
            pool.Add(file_proto)
        except Exception as exc:
            raise InputError(f"{where}: cannot load {file_proto.name}: {exc}") from None
    return pool


# ---------------------------------------------------------------------------------------------
# Root message


def _own_messages(fds: descriptor_pb2.FileDescriptorSet) -> list[str]:
    """Full names of every message the version's own files define (not google/protobuf)."""
    names: list[str] = []

    def walk(prefix: str, messages: Any) -> None:
        for message in messages:
            if message.options.map_entry:
                continue
            full = f"{prefix}{message.name}"
            names.append(full)
            walk(full + ".", message.nested_type)

    for file_proto in fds.file:
        if file_proto.name.startswith("google/protobuf/"):
            continue
        walk(f"{file_proto.package}." if file_proto.package else "", file_proto.message_type)
    return names


def resolve_root(
    fds: descriptor_pb2.FileDescriptorSet, root: str | None, version: str, where: Path | None = None
) -> str:
    """The root message's full name; a short name matches in any package."""
    names = _own_messages(fds)
    if not names:
        raise InputError(f"{where or f'version {version}'}: defines no message, so no root")
    if root is None:
        candidates = _unreferenced(fds, names)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates and len(names) == 1:  # the only message, using itself
            return names[0]
        listed = ", ".join(candidates[:8]) or ", ".join(names[:8])
        raise InputError(
            f"version {version}: several messages could be the root ({listed}); "
            "set root in family.toml or pass --root"
        )
    root = root.lstrip(".")
    if root in names:
        return root
    matches = [n for n in names if n.endswith("." + root)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise InputError(
            f"version {version}: root {root!r} is ambiguous ({', '.join(matches)}); "
            "give the full name"
        )
    close = [n for n in names if root.split(".")[-1].lower() in n.lower()][:5]
    hint = f" (similar: {', '.join(close)})" if close else f" (messages: {', '.join(names[:8])})"
    raise InputError(f"{where or f'version {version}'}: root message {root!r} not found{hint}")


def _unreferenced(fds: descriptor_pb2.FileDescriptorSet, names: list[str]) -> list[str]:
    """Top-level messages no other message of the version uses: the likely roots."""
    used: set[str] = set()

    def walk(messages: Any) -> None:
        for message in messages:
            for field in message.field:
                if field.type_name:
                    used.add(field.type_name.lstrip("."))
            walk(message.nested_type)

    for file_proto in fds.file:
        walk(file_proto.message_type)
    return [n for n in names if n not in used and "." not in _local(n, fds)]


def _local(full: str, fds: descriptor_pb2.FileDescriptorSet) -> str:
    for file_proto in fds.file:
        if file_proto.package and full.startswith(file_proto.package + "."):
            return full[len(file_proto.package) + 1 :]
    return full


# ---------------------------------------------------------------------------------------------
# Descriptors to the model


def _synthetic_oneofs(desc: Descriptor) -> set[str]:
    proto = descriptor_pb2.DescriptorProto()
    desc.CopyToProto(proto)
    return {
        proto.oneof_decl[f.oneof_index].name
        for f in proto.field
        if f.proto3_optional and f.HasField("oneof_index")
    }


class _Describer:
    """Turns descriptors into MessageDef/EnumDef once, sharing one def per type."""

    def __init__(self) -> None:
        self.messages: dict[str, MessageDef] = {}
        self.enums: dict[str, EnumDef] = {}

    def enum(self, desc: EnumDescriptor) -> EnumDef:
        found = self.enums.get(desc.full_name)
        if found is None:
            numbers = {v.name: v.number for v in desc.values}
            found = EnumDef(desc.full_name, numbers, closed=bool(desc.is_closed))
            self.enums[desc.full_name] = found
        return found

    def message(self, desc: Descriptor) -> MessageDef:
        found = self.messages.get(desc.full_name)
        if found is not None:
            return found
        package = desc.file.package
        local = desc.full_name[len(package) + 1 :] if package else desc.full_name
        found = MessageDef(desc.full_name, local=local)
        self.messages[desc.full_name] = found
        synthetic = _synthetic_oneofs(desc)
        found.fields = [self.field(f, synthetic) for f in desc.fields]
        return found

    def field(self, field: FieldDescriptor, synthetic: set[str]) -> FieldDef:
        oneof = field.containing_oneof
        oneof_name = oneof.name if oneof is not None and oneof.name not in synthetic else None
        if is_map(field):
            key, value = (
                field.message_type.fields_by_name["key"],
                field.message_type.fields_by_name["value"],
            )
            inner = self._value_def(value)
            return FieldDef(
                name=field.name,
                number=field.number,
                wire="len",
                json_name=field.json_name,
                type=f"map<{type_name(key)}, {type_name(value)}>",
                category=inner.category,
                is_map=True,
                key_category=_category(key),
                key_type=type_name(key),
                message=inner.message,
                enum=inner.enum,
            )
        definition = self._value_def(field)
        definition.repeated = bool(field.is_repeated)
        definition.packed = bool(field.is_repeated and field.is_packed)
        if definition.packed:
            definition.wire = "len"
        definition.presence = bool(field.has_presence) and not field.is_repeated
        definition.oneof = oneof_name
        if not field.is_repeated and field.type not in (F.TYPE_MESSAGE, F.TYPE_GROUP):
            definition.default = field.default_value
        return definition

    def _value_def(self, field: FieldDescriptor) -> FieldDef:
        definition = FieldDef(
            name=field.name,
            number=field.number,
            type=type_name(field),
            category=_category(field),
            wire=_WIRE.get(field.type, "varint"),
            json_name=field.json_name,
        )
        if field.type in (F.TYPE_MESSAGE, F.TYPE_GROUP):
            definition.message = self.message(field.message_type)
        elif field.type == F.TYPE_ENUM:
            definition.enum = self.enum(field.enum_type)
        return definition


def _category(field: FieldDescriptor) -> str:
    return _CATEGORY.get(field.type, INT)


# ---------------------------------------------------------------------------------------------
# Views: a decoded message as plain values


ViewBuilder = Callable[[Message], View]


class _Viewer:
    """Builds one view function per message type, once; applied per decoded message.

    A view starts from the type's defaults and walks `ListFields()`, which lists exactly the
    fields that are present (explicit presence set, implicit presence non-zero — -0.0 included,
    as on the wire), so absent fields cost nothing per example.
    """

    def __init__(self) -> None:
        self.builders: dict[str, ViewBuilder] = {}

    def builder(self, desc: Descriptor) -> ViewBuilder:
        found = self.builders.get(desc.full_name)
        if found is not None:
            return found
        defaults: dict[str, Any] = {}
        converters: dict[str, Callable[[Any], Any] | None] = {}

        def build(message: Message) -> View:
            values = dict(defaults)
            present: set[str] = set()
            for field, value in message.ListFields():
                name = field.name
                convert = converters[name]
                values[name] = value if convert is None else convert(value)
                present.add(name)
            return View(values, present)

        self.builders[desc.full_name] = build
        for field in desc.fields:
            defaults[field.name], converters[field.name] = self._step(field)
        return build

    def _step(self, field: FieldDescriptor) -> tuple[Any, Callable[[Any], Any] | None]:
        """(the value of an absent field, how to convert a present one to plain values)."""
        nested = field.type in (F.TYPE_MESSAGE, F.TYPE_GROUP)
        if is_map(field):
            value = field.message_type.fields_by_name["value"]
            if value.type == F.TYPE_MESSAGE:
                sub = self.builder(value.message_type)
                return {}, lambda entries: {k: sub(v) for k, v in entries.items()}
            return {}, dict
        if field.is_repeated:
            if nested:
                sub = self.builder(field.message_type)
                return [], lambda items: [sub(item) for item in items]
            return [], list
        if nested:
            return None, self.builder(field.message_type)
        return field.default_value, None


# ---------------------------------------------------------------------------------------------
# The codec of one version


class ProtoVersion(DepthSamplers):
    """One loaded protobuf version: pool, root class, model, strategy and codec."""

    default_depth = MAX_DEPTH

    def __init__(
        self,
        fds: descriptor_pb2.FileDescriptorSet,
        root: str | None,
        name: str,
        where: Path,
        json_unknown: str = "reject",
    ) -> None:
        self.name = name
        self.fds = fds
        self.where = where
        self._lines: dict[str, tuple[str, int]] | None = None
        self.pool = build_pool(fds, where)
        self.root_name = resolve_root(fds, root, name, where)
        self.descriptor = self.pool.FindMessageTypeByName(self.root_name)
        _check_required_cycles(self.descriptor, fds, where)
        self.cls = message_factory.GetMessageClass(self.descriptor)
        self.root = _Describer().message(self.descriptor)
        self._view = _Viewer().builder(self.descriptor)
        self._ignore_unknown = json_unknown == "ignore"

    def _build_sampler(self, depth: int) -> Any:
        """Messages nested `depth` levels deep."""
        from schemafuzz._internal.formats.proto_strategies import message_sampler

        return message_sampler(self.descriptor, self.cls, depth)

    def encode(self, value: Any, encoding: str) -> bytes:
        # Deterministic: map entries in key order, so the same seed gives the same bytes.
        message = _message(value)
        if encoding == "proto-binary":
            return bytes(message.SerializeToString(deterministic=True))
        return str(json_format.MessageToJson(message, indent=None, sort_keys=True)).encode("utf-8")

    def relay(self, data: bytes, encoding: str, writer: Any) -> bytes:
        """Decode and re-encode as this version (a gateway): binary keeps unknown fields."""
        if encoding == "proto-binary":
            return bytes(self.cls.FromString(data).SerializeToString(deterministic=True))
        message = json_format.Parse(data, self.cls(), ignore_unknown_fields=self._ignore_unknown)
        return str(json_format.MessageToJson(message, indent=None, sort_keys=True)).encode("utf-8")

    def build(self, kwargs: dict[str, Any]) -> Any:
        """A native value from plain field values (a reconnect snapshot of the writer's state)."""
        from schemafuzz._internal.formats.proto_strategies import Drawn

        return Drawn(kwargs, self.cls(**kwargs))

    def intent(self, value: Any, decoded: View) -> View:
        """The writer's view plus the fields it set explicitly to zero (absent on the wire)."""
        kwargs = getattr(value, "kwargs", None)
        return _with_intent(decoded, kwargs) if kwargs is not None else decoded

    def decode(self, data: bytes, encoding: str, writer: Any = None) -> View:
        """Decode as this version; protobuf readers never see the writer's schema."""
        try:
            if encoding == "proto-binary":
                message = self.cls.FromString(data)
            else:
                # A version reading its own JSON is strict: what it wrote has no unknown keys,
                # so a captured file that does is not this version's (corpus replay).
                ignore = self._ignore_unknown and writer is not self
                message = json_format.Parse(data, self.cls(), ignore_unknown_fields=ignore)
        except Exception as exc:  # every codec error is a decode failure of this reader
            raise DecodeFailure(_first_line(exc), _json_keys(str(exc))) from None
        return self._view(message)

    def example_json(self, value: Any) -> Any:
        return json_format.MessageToDict(_message(value), preserving_proto_field_name=True)

    def locate(self, path: str) -> tuple[Path, int] | None:
        """The file and line declaring the field at a dotted path (writer names; `[i]` marks
        list items), or its nearest declared ancestor; None without source info."""
        if self._lines is None:
            self._lines = _source_lines(self.fds)
        desc: Descriptor | None = self.descriptor
        found = self._lines.get(self.descriptor.full_name)
        for name in path.replace("[i]", "").split(".") if path else []:
            field = desc.fields_by_name.get(name) if desc is not None else None
            if field is None:
                break
            found = self._lines.get(field.full_name, found)
            desc = field.message_type
        if found is None:
            return None
        file, line = found
        base = self.where if self.where.is_dir() else self.where.parent
        return base / file, line

    def intent_json(self, value: Any) -> Any:
        """The example as the generator meant it: top-level fields set to zero shown too."""
        shown = self.example_json(value)
        for name, given in (getattr(value, "kwargs", None) or {}).items():
            if name not in shown and not isinstance(given, (dict, list)):
                from schemafuzz._internal.values import jsonable

                shown[name] = jsonable(given, self.root.by_name().get(name))
        return dict(sorted(shown.items()))


def _source_lines(fds: descriptor_pb2.FileDescriptorSet) -> dict[str, tuple[str, int]]:
    """Full names of messages and fields -> (file, 1-based line), from protoc's source info."""
    lines: dict[str, tuple[str, int]] = {}
    for file in fds.file:
        spans = {tuple(loc.path): loc.span[0] + 1 for loc in file.source_code_info.location}
        prefix = f"{file.package}." if file.package else ""
        stack: list[tuple[Any, tuple[int, ...], str]] = [(file.message_type, (4,), prefix)]
        while stack:
            messages, path, scope = stack.pop()
            for i, message in enumerate(messages):
                here = (*path, i)
                full = scope + message.name
                if here in spans:
                    lines[full] = (file.name, spans[here])
                for j, field in enumerate(message.field):
                    if (*here, 2, j) in spans:
                        lines[f"{full}.{field.name}"] = (file.name, spans[(*here, 2, j)])
                stack.append((message.nested_type, (*here, 3), full + "."))
    return lines


def _check_required_cycles(
    root: Descriptor, fds: descriptor_pb2.FileDescriptorSet, where: Path
) -> None:
    """No message the root reaches may need itself through required fields only: no finite
    message is valid then (proto2 `required Node child` in Node), so nothing can be generated."""
    reachable: list[Descriptor] = []
    seen = {root.full_name}
    queue = [root]
    while queue:
        desc = queue.pop(0)
        reachable.append(desc)
        for field in desc.fields:
            nested = field.message_type
            if nested is not None and nested.full_name not in seen:
                seen.add(nested.full_name)
                queue.append(nested)
    for desc in reachable:
        for field in desc.fields:
            if _required_message(field) and _requires(field.message_type, desc.full_name):
                found = _source_lines(fds).get(field.full_name)
                base = where if where.is_dir() else where.parent
                place = f"{base / found[0]}:{found[1]}" if found else str(where)
                raise InputError(
                    f"{place}: required field {field.full_name} leads back to {desc.full_name} "
                    f"through required fields only, so no finite {desc.full_name} is valid "
                    "(make a field of the cycle optional)"
                )


def _required_message(field: FieldDescriptor) -> bool:
    return bool(field.is_required and field.message_type is not None)


def _requires(start: Descriptor, target: str) -> bool:
    """Whether a `start` message must contain a `target` one (through required fields)."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        desc = stack.pop()
        if desc.full_name == target:
            return True
        if desc.full_name in seen:
            continue
        seen.add(desc.full_name)
        stack.extend(f.message_type for f in desc.fields if _required_message(f))
    return False


def _message(value: Any) -> Message:
    message: Message = getattr(value, "message", value)
    return message


def _with_intent(view: View, kwargs: dict[str, Any]) -> View:
    values = dict(view.values)
    for name, given in kwargs.items():
        nested = values.get(name)
        if isinstance(given, dict) and isinstance(nested, View):
            values[name] = _with_intent(nested, given)
        elif isinstance(given, list) and isinstance(nested, list):
            values[name] = [
                _with_intent(v, g) if isinstance(v, View) and isinstance(g, dict) else v
                for v, g in zip(nested, given, strict=False)
            ]
    return View(values, view.present | set(kwargs))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


_PARSE_FIELD = re.compile(r"Failed to parse (\w+) field")
_NO_FIELD = re.compile(r'has no field named "([^"]+)"')


def _json_keys(text: str) -> tuple[str, ...]:
    """The JSON keys json_format names in its error, outermost first."""
    keys = _PARSE_FIELD.findall(text)
    unknown = _NO_FIELD.search(text)
    if unknown:
        keys.append(unknown.group(1))
    return tuple(keys)


def load_version(
    path: Path, *, name: str, root: str | None, options: dict[str, Any]
) -> ProtoVersion:
    """Load one version: a directory of .proto files or a precompiled descriptor set."""
    if path.is_dir():
        fds = compile_version(path, name)
    elif path.suffix == ".proto":
        fds = compile_version(path.parent, name, only=[path.name])
    else:
        fds = read_descriptor_set(path)
    return ProtoVersion(
        fds, root, name, path, json_unknown=str(options.get("proto_json_unknown", "reject"))
    )
