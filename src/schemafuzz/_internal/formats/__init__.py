"""Formats: each loads a version's schema into the model and provides its codec.

A format module exposes `FORMAT` (name), `EXTENSIONS`, `ENCODINGS` and
`load_version(path, *, name, root, options) -> VersionCodec`.
"""

from __future__ import annotations

from types import ModuleType

from schemafuzz._internal.errors import InputError


def format_module(name: str) -> ModuleType:
    """The module implementing format `name`, imported only when a family needs it."""
    if name == "proto":
        from schemafuzz._internal.formats import proto

        return proto
    if name == "avro":
        from schemafuzz._internal.formats import avro

        return avro
    if name == "jsonschema":
        from schemafuzz._internal.formats import jsonschema

        return jsonschema
    raise InputError(f"format {name!r} is not one of proto, avro, jsonschema")


EXTENSION_FORMATS = {
    ".proto": "proto",
    ".binpb": "proto",
    ".pb": "proto",
    ".desc": "proto",
    ".avsc": "avro",
    ".json": "jsonschema",
}
