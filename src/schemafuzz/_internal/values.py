"""Comparing decoded values across versions, and showing them as JSON.

A comparator is chosen once per field pair from the two declared types; per example it is one
call. Floats compare by bit pattern (NaN payloads and -0.0 count), except that a float32 writer
read as a float64 compares after rounding the reader's value to float32 (the writer could not
hold more precision). Integers, bools and enum numbers compare as numbers, so a bool collapse
(5 read as true) differs; strings and bytes compare as UTF-8 bytes.
"""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from schemafuzz._internal.model import (
    ANY,
    BOOL,
    BYTES,
    ENUM,
    FLOAT32,
    FLOAT64,
    INT,
    MESSAGE,
    STRING,
    EnumDef,
    FieldDef,
    Logical,
    MessageDef,
    View,
)

Comparator = Callable[[Any, Any], bool]
NUMERIC = (INT, BOOL, ENUM)
FLOATS = (FLOAT32, FLOAT64)
TEXT = (STRING, BYTES)


def bits(value: float) -> bytes:
    return struct.pack("<d", value)


def to_float32(value: float) -> float:
    try:
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


def _same_bits(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return bits(a) == bits(b)
    return _same_number(a, b)  # an integer in a floating-point field (JSON): compare exactly


def _same_float32(a: Any, b: Any) -> bool:
    return isinstance(a, float) and isinstance(b, float) and bits(a) == bits(to_float32(b))


def _same_number(a: Any, b: Any) -> bool:
    if isinstance(a, float) and math.isnan(a) or isinstance(b, float) and math.isnan(b):
        return False
    return bool(a == b) and type(a) is not str and type(b) is not str


def _as_bytes(value: Any) -> bytes | None:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return None


def _same_text(a: Any, b: Any) -> bool:
    left = _as_bytes(a)
    return left is not None and left == _as_bytes(b)


def never(a: Any, b: Any) -> bool:
    return False


def same_structure(a: Any, b: Any) -> bool:
    """Deep equality of plain trees, floats by bit pattern, str and bytes as UTF-8, logical
    values by meaning when both are logical (else by the raw value)."""
    if isinstance(a, Logical) or isinstance(b, Logical):
        if isinstance(a, Logical) and isinstance(b, Logical):
            return same_structure(a.value, b.value)
        return same_structure(raw(a), raw(b))
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, float) and isinstance(b, float):
            return bits(a) == bits(b)
        return _same_number(a, b) and not isinstance(a, bool) and not isinstance(b, bool)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (str, bytes)) or isinstance(b, (str, bytes)):
        return _same_text(a, b)
    if isinstance(a, View) and isinstance(b, View):
        # Records inside plain trees (an Avro union's record branch) compare on the fields both
        # versions declare: one only the writer has is unknown to the reader, one only the
        # reader has takes its default — info findings where the record is a declared field.
        shared = a.values.keys() & b.values.keys()
        return (a.present & shared) == (b.present & shared) and all(
            same_structure(a.values[k], b.values[k]) for k in shared
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_structure(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_structure(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def enum_map(writer: EnumDef, reader: EnumDef) -> dict[int, int | None]:
    """Writer number -> the reader number that means the same (by name, else by number)."""
    mapping: dict[int, int | None] = {}
    for number, name in writer.names.items():
        if name in reader.numbers:
            mapping[number] = reader.numbers[name]
        elif reader.by_number and number in reader.names:
            mapping[number] = number
        else:
            mapping[number] = None
    return mapping


def comparator(wcat: str, rcat: str, mapping: dict[int, int | None] | None = None) -> Comparator:
    """How a writer value of category `wcat` compares with a reader value of `rcat`."""
    if ANY in (wcat, rcat):
        return same_structure
    if MESSAGE in (wcat, rcat):
        return never
    if wcat == ENUM and rcat == ENUM and mapping is not None:
        return lambda a, b: mapping.get(a, a) == b
    if wcat in FLOATS and rcat in FLOATS:
        return _same_float32 if (wcat, rcat) == (FLOAT32, FLOAT64) else _same_bits
    if wcat in NUMERIC + FLOATS and rcat in NUMERIC + FLOATS:
        return _same_number
    if wcat in TEXT and rcat in TEXT:
        return _same_text
    return never


def raw(value: Any) -> Any:
    return value.raw if isinstance(value, Logical) else value


def field_comparator(wf: FieldDef, rf: FieldDef) -> Comparator:
    """Logical types compare by meaning when both sides declare one, else by the raw value."""
    mapping = enum_map(wf.enum, rf.enum) if wf.enum and rf.enum else None
    base = comparator(wf.category, rf.category, mapping)
    if wf.logical and rf.logical:
        return lambda a, b: same_structure(_meaning(a), _meaning(b))
    if wf.logical or rf.logical:
        return lambda a, b: base(raw(a), raw(b))
    return base


def _meaning(value: Any) -> Any:
    return value.value if isinstance(value, Logical) else value


def key_comparator(wf: FieldDef, rf: FieldDef) -> Comparator:
    return comparator(wf.key_category or STRING, rf.key_category or STRING)


def is_zero(value: Any) -> bool:
    """True for a value that says nothing: unset message, empty list or map, zero, empty text."""
    if value is None:
        return True
    if isinstance(value, float):
        return bits(value) == bits(0.0)
    if isinstance(value, View):
        return not value.present
    return not value


# ---------------------------------------------------------------------------------------------
# JSON-safe values for reports


def json_float(value: float) -> Any:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0.0 and math.copysign(1.0, value) < 0:
        return "-0.0"
    return value


def jsonable(value: Any, field: FieldDef | None = None) -> Any:
    """A decoded value as JSON: bytes base64, special floats as strings, enums by name."""
    if isinstance(value, View):
        message = field.message if field is not None else None
        defs = message.by_name() if message is not None else {}
        return {
            name: jsonable(value.values[name], defs.get(name))
            for name in value.values
            if name in value.present
        }
    if isinstance(value, Logical):
        return jsonable(value.shown)
    if isinstance(value, (list, tuple)):
        return [jsonable(item, field) for item in value]
    if isinstance(value, dict):
        return {str(jsonable_key(k)): jsonable(v, field) for k, v in value.items()}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return json_float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, int):
        if field is not None and field.enum is not None and field.category == ENUM:
            return field.enum.names.get(value, value)
        return value
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def jsonable_key(key: Any) -> Any:
    if isinstance(key, bytes):
        return base64.b64encode(key).decode("ascii")
    if isinstance(key, bool):
        return "true" if key else "false"
    return key


def view_to_plain(view: View, definition: MessageDef | None) -> dict[str, Any]:
    """A view's present fields as a plain instance, nested views as dicts.

    What a JSON gateway forwards, and what a reconnect snapshot is built from.
    """
    fields = definition.by_name() if definition is not None else {}
    plain: dict[str, Any] = {}
    for name in sorted(view.present):
        field = fields.get(name)
        plain[name] = _plain(view.values[name], field.message if field else None)
    return plain


def _plain(value: Any, definition: MessageDef | None) -> Any:
    if isinstance(value, View):
        return view_to_plain(value, definition)
    if isinstance(value, list):
        return [_plain(v, definition) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, definition) for k, v in value.items()}
    return value
