"""The format-neutral model every format converts into.

A version's schema is a tree of `MessageDef` (records, objects) holding `FieldDef`s. A decoded
message is a `View`: every field of the version by name, unset ones at their default, plus the
names that are present. The oracle, runner and reports only ever see these types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

# Resource bounds of a run (--max-depth, --max-message-bytes, --max-sequence): the defaults.
# --max-depth: how many levels generated values nest below the root, by format (each codec names
# its own as `default_depth`): protobuf message fields (MAX_DEPTH), an Avro record inside itself
# (AVRO_MAX_DEPTH; other records always nest), JSON Schema levels that still get optional
# properties and array items (JSON_MAX_DEPTH).
MAX_DEPTH = 3
AVRO_MAX_DEPTH = 2
JSON_MAX_DEPTH = 3
MAX_MESSAGE_BYTES = 1 << 20  # an example encoding to more is skipped, and counted
MAX_SEQUENCE = 3  # messages per state sequence

# Value categories: what a decoded value is, and so how two of them compare.
INT = "int"  # any integer type; the exact type is in FieldDef.type
FLOAT32 = "float32"
FLOAT64 = "float64"
BOOL = "bool"
STRING = "string"
BYTES = "bytes"
ENUM = "enum"
MESSAGE = "message"
ANY = "any"  # a union or an untyped JSON value: compared structurally
CATEGORIES = (INT, FLOAT32, FLOAT64, BOOL, STRING, BYTES, ENUM, MESSAGE, ANY)


@dataclass(eq=False)
class EnumDef:
    """An enum type of one version: symbol names and their numbers."""

    name: str
    numbers: dict[str, int]
    closed: bool = False
    names: dict[int, str] = field(default_factory=dict)
    by_number: bool = True  # protobuf: a symbol unknown by name still matches by number

    def __post_init__(self) -> None:
        if not self.names:
            # With aliases several names share a number; the first declared is canonical.
            for symbol, number in self.numbers.items():
                self.names.setdefault(number, symbol)


@dataclass(eq=False)
class FieldDef:
    """One field of one version, with everything the oracle needs to match and compare it."""

    name: str
    number: int | None
    type: str  # as the schema spells it: "int32", "thermostat.Mode", "map<string, int32>"
    category: str  # one of CATEGORIES; for maps, the category of the values
    repeated: bool = False
    is_map: bool = False
    key_category: str | None = None
    key_type: str | None = None
    presence: bool = False  # explicit presence: set-to-default differs from unset
    oneof: str | None = None
    default: Any = None
    message: MessageDef | None = None
    enum: EnumDef | None = None
    packed: bool = False
    aliases: tuple[str, ...] = ()
    logical: str | None = None  # a logical type over the wire type (Avro: "timestamp-millis")
    wire: str | None = None  # how the value travels where the format has wire types ("varint")
    json_name: str | None = None  # the key a JSON encoding uses, where it differs from name

    @property
    def label(self) -> str:
        if self.is_map:
            return "map"
        return "repeated" if self.repeated else "singular"

    def describe(self) -> str:
        number = f"field {self.number} " if self.number is not None else "field "
        return f"{number}`{self.name}`"


@dataclass(eq=False)
class MessageDef:
    """A message (record, object) type of one version."""

    name: str
    fields: list[FieldDef] = field(default_factory=list)
    local: str = ""  # the name without package: how a message is known across versions

    def __post_init__(self) -> None:
        if not self.local:
            self.local = self.name

    def by_name(self) -> dict[str, FieldDef]:
        return {f.name: f for f in self.fields}

    def by_number(self) -> dict[int, FieldDef]:
        return {f.number: f for f in self.fields if f.number is not None}


class Logical:
    """A value of a logical type as one version reads it: the raw wire value and its meaning.

    `value` is comparable across logical types (timestamps normalised to microseconds and tagged,
    decimals as Decimal with this version's scale); `shown` is how a report prints it.
    """

    __slots__ = ("raw", "value", "shown")

    def __init__(self, raw: Any, value: Any, shown: Any) -> None:
        self.raw = raw
        self.value = value
        self.shown = shown

    def __repr__(self) -> str:
        return f"Logical({self.shown!r})"


class View:
    """A decoded message as one version sees it: values by field name and the present names."""

    __slots__ = ("values", "present")

    def __init__(self, values: dict[str, Any], present: set[str]) -> None:
        self.values = values
        self.present = present

    def __repr__(self) -> str:
        return f"View({self.values!r}, present={sorted(self.present)!r})"


@dataclass(frozen=True)
class Encoding:
    """A wire encoding; `keyed_by` says how a reader finds a field: by number or by name."""

    name: str
    keyed_by: str  # "number" | "name"


class DecodeFailure(Exception):
    """A reader rejected bytes; the message is the codec's own.

    `keys` is the path of the offending field as the encoding spells its keys, where the codec
    says which field it rejected (proto-json names it); the runner maps it to field names.
    `mismatch` is a pair of type names the codec could not resolve (Avro says "double is not
    float" without naming the field); the runner finds the field in the plan.
    """

    def __init__(
        self, message: str, keys: tuple[str, ...] = (), mismatch: tuple[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.keys = keys
        self.mismatch = mismatch  # (writer type, reader type) the codec could not resolve


class VersionCodec(Protocol):
    """What a format provides for one loaded version.

    - `strategy(max_depth)`: a Hypothesis strategy of native writer values, valid for this
      version, nested at most `max_depth` deep (None: `default_depth`); `truncated(max_depth)`
      names what that bound kept from being generated.
    - `encode(value, encoding) -> bytes`; `decode(data, encoding, writer) -> View` (raises
      DecodeFailure) where `writer` is the writing version's codec, for formats whose readers
      resolve the writer's schema (Avro); `example_json(value)`: the value as JSON for reports.
    """

    root: MessageDef
    default_depth: int

    def strategy(self, max_depth: int | None = None) -> Any: ...

    def truncated(self, max_depth: int | None = None) -> list[str]: ...

    def encode(self, value: Any, encoding: str) -> bytes: ...

    def decode(self, data: bytes, encoding: str, writer: Any) -> View: ...

    def example_json(self, value: Any) -> Any: ...

    def relay(self, data: bytes, encoding: str, writer: Any) -> bytes:
        """Decode as this version (a gateway) and re-encode with it."""
        ...


@dataclass(eq=False)
class Version:
    """One version of a family: its name, position in history, files and loaded schema."""

    name: str
    index: int
    path: Path
    codec: VersionCodec
    files: Sequence[Path] = ()
    family: Family | None = field(default=None, repr=False)  # set by the family that loads it

    @property
    def root(self) -> MessageDef:
        return self.codec.root


@dataclass(frozen=True)
class StateConfig:
    """How a reader applies successive messages (family.toml `state` and friends).

    `semantics`: "replace" (each message is the whole state) or "merge" (a delta protocol);
    `fields`: per-field overrides of the semantics by top-level field name; `reconnect`:
    "snapshot" when a full-state message follows a reconnect; `delivery`: "exactly-once" or
    "at-least-once" (duplicates and reordering happen); `ordering`: the field by which a reader
    discards messages older than its state (a sequence number or a timestamp).
    """

    semantics: str = "replace"
    fields: dict[str, str] = field(default_factory=dict)
    reconnect: str | None = None
    delivery: str = "exactly-once"
    ordering: str | None = None

    def mode(self, name: str) -> str:
        return self.fields.get(name, self.semantics)


@dataclass(eq=False)
class Family:
    """Every version a schema family has had, oldest first, and how to fuzz it."""

    name: str
    path: Path
    format: str
    versions: list[Version]
    encodings: list[Encoding]
    root: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    state: StateConfig | None = None  # None: the family declares no state semantics
    relays: list[str] = field(default_factory=list)  # versions gateways run (family.toml relay)

    def __post_init__(self) -> None:
        for version in self.versions:
            version.family = self

    def version(self, name: str) -> Version:
        for version in self.versions:
            if version.name == name:
                return version
        raise KeyError(name)

    def encoding(self, name: str) -> Encoding:
        for encoding in self.encodings:
            if encoding.name == name:
                return encoding
        raise KeyError(name)


class DepthSamplers:
    """For a codec whose generators are `sampling.Sampler`s: one per `--max-depth`, built once
    by the codec's `_build_sampler(depth)` method; None means the codec's `default_depth`."""

    default_depth: int
    _build_sampler: Callable[[int], Any]  # each codec defines it as a method

    def sampler(self, max_depth: int | None = None) -> Any:
        """The version's generator: fast random draws, and a Hypothesis strategy."""
        depth = self.default_depth if max_depth is None else max_depth
        built: dict[int, Any] = self.__dict__.setdefault("_samplers", {})
        if depth not in built:
            built[depth] = self._build_sampler(depth)
        return built[depth]

    def strategy(self, max_depth: int | None = None) -> Any:
        return self.sampler(max_depth).strategy()

    def truncated(self, max_depth: int | None = None) -> list[str]:
        """What the depth bound kept from being generated."""
        return list(self.sampler(max_depth).truncated)
