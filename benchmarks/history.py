"""A generated protobuf schema history for the benchmarks: a ~40-field telemetry message that
evolves from version to version the way real device schemas do.

`write_history(dest, versions, seed)` writes a family directory (family.toml, `v1` .. `vN`, one
`.proto` each, the changes of each version in a comment at its top); `write_candidate(dest,
family_dir, seed)` writes one more evolution of the family's last version, as a candidate. The
same seed gives the same files, and a shorter history is a prefix of a longer one.

The message (package `fleet`, root `fleet.Telemetry`, proto3): nested messages three levels deep
(Telemetry -> Location -> Fix, Telemetry -> Battery -> Cell), open enums, repeated scalars and
messages, maps with scalar and message values, `optional` fields and a oneof. Each version
applies one to three changes, drawn from:

- add a field with a fresh number (to the root or a nested message; sometimes a new message);
- add an enum value;
- remove a field and reserve its number and name;
- rename a field (same number);
- widen int32 -> int64;
- occasionally a risky change: int32 -> uint32, float -> double, a field moved into the oneof.

The total field count (nested messages included) stays near 40: a history that grew past 42
fields removes rather than adds, one below 36 adds rather than removes.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

PACKAGE = "fleet"
ROOT = "Telemetry"
STATE_FILE = ".history.json"  # the last version's model; dot-files are not versions
CANDIDATE_DIR = "candidate"
LOW, HIGH = 36, 42  # the field count the evolutions keep to

SCALARS = ("int32", "int64", "uint32", "uint64", "sint32", "fixed32", "float", "double", "bool",
           "string", "bytes")  # fmt: skip
MAP_KEYS = ("string", "uint32", "int64")
WORDS = (
    "humidity_pct", "pressure_hpa", "co2_ppm", "link_quality", "tx_power_dbm", "error_count",
    "reboot_reason", "firmware_version", "hardware_rev", "region_code", "last_seen_ms",
    "noise_floor_dbm", "snr_db", "packet_loss_pct", "queue_depth", "free_heap_bytes",
    "cpu_load_pct", "flash_wear_pct", "solar_mv", "charge_current_ma", "gateway_id",
    "hop_count", "channel", "bitrate_kbps", "retries", "config_hash", "owner_id", "zone_id",
    "door_open", "tamper", "vibration_rms", "tilt_deg", "speed_kmh", "odometer_m",
    "fuel_level_pct", "engine_hours", "ambient_lux", "noise_db", "water_level_mm", "flow_lpm",
)  # fmt: skip
SYNONYMS = {
    "device_id": "node_id", "seq": "sequence", "timestamp_ms": "sent_at_ms",
    "temperature_c": "temp_c", "uptime_s": "uptime_sec", "rssi_dbm": "signal_dbm",
    "latitude": "lat", "longitude": "lon", "altitude_m": "elevation_m", "percent": "charge_pct",
    "voltage_v": "volts", "charging": "is_charging", "satellites": "sats_in_view",
    "sensor": "sensor_name", "value": "reading", "code": "alarm_code", "message": "detail",
    "labels": "tags", "debug": "debug_mode", "firmware_hash": "fw_digest",
}  # fmt: skip
REVERSE = {new: old for old, new in SYNONYMS.items()}
ENUM_WORDS = ("UPDATING", "CHARGING", "LOW_POWER", "MAINTENANCE", "OFFLINE", "BOOTING",
              "DEGRADED", "CALIBRATING", "RTK", "DGPS", "KELVIN", "WATT", "HERTZ", "LUX",
              "EMERGENCY", "DEBUG", "TRACE", "SHIPPING", "STORAGE", "RECOVERY")  # fmt: skip
NEW_MESSAGES = {
    "Diagnostics": [("free_heap_bytes", "uint32"), ("reset_cause", "string")],
    "Network": [("ssid", "string"), ("channel", "uint32"), ("snr_db", "float")],
    "Power": [("solar_mv", "int32"), ("load_ma", "int32")],
    "Environment": [("humidity_pct", "float"), ("pressure_hpa", "double")],
}  # fmt: skip


@dataclass
class Field:
    name: str
    number: int
    type: str  # a scalar type, or the name of a message or enum of the package
    label: str = ""  # "", "optional", "repeated" or "map"
    key: str = ""  # the key type of a map
    oneof: str = ""  # the oneof the field belongs to


@dataclass
class Message:
    name: str
    fields: list[Field]
    reserved_numbers: list[int] = field(default_factory=list)
    reserved_names: list[str] = field(default_factory=list)
    next_number: int = 0

    def __post_init__(self) -> None:
        self.next_number = max([self.next_number, *(f.number + 1 for f in self.fields)])


@dataclass
class Enum:
    name: str
    prefix: str
    values: list[tuple[str, int]]


@dataclass
class Schema:
    messages: list[Message]
    enums: list[Enum]
    changes: list[str] = field(default_factory=list)  # what the latest version changed
    version: int = 1  # how many versions the schema has had

    def message(self, name: str) -> Message:
        return next(m for m in self.messages if m.name == name)

    def is_message(self, type_name: str) -> bool:
        return any(m.name == type_name for m in self.messages)

    def field_count(self) -> int:
        """Fields of the root and of every message it reaches, each message counted once."""
        seen: set[str] = set()
        stack = [ROOT]
        count = 0
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            for f in self.message(name).fields:
                count += 1
                if self.is_message(f.type):
                    stack.append(f.type)
        return count

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> Schema:
        data = json.loads(text)
        messages = [
            Message(
                m["name"],
                [Field(**f) for f in m["fields"]],
                m["reserved_numbers"],
                m["reserved_names"],
                m["next_number"],
            )
            for m in data["messages"]
        ]
        enums = [
            Enum(e["name"], e["prefix"], [tuple(v) for v in e["values"]]) for e in data["enums"]
        ]
        return cls(messages, enums, list(data["changes"]), int(data["version"]))


def initial_schema() -> Schema:
    """Version 1: 41 fields over seven messages, four enums."""

    def f(name: str, number: int, type_: str, label: str = "", key: str = "", oneof: str = "") -> Field:  # noqa: E501 # fmt: skip
        return Field(name, number, type_, label, key, oneof)

    messages = [
        Message(ROOT, [
            f("device_id", 1, "string"),
            f("seq", 2, "uint64"),
            f("timestamp_ms", 3, "int64"),
            f("state", 4, "DeviceState"),
            f("location", 5, "Location"),
            f("battery", 6, "Battery"),
            f("readings", 7, "Reading", "repeated"),
            f("rssi_history", 8, "int32", "repeated"),
            f("labels", 9, "string", "map", "string"),
            f("latest", 10, "Reading", "map", "string"),
            f("rssi_dbm", 11, "int32", "optional"),
            f("text", 12, "string", oneof="payload"),
            f("blob", 13, "bytes", oneof="payload"),
            f("alarm", 14, "Alarm", oneof="payload"),
            f("temperature_c", 15, "float"),
            f("uptime_s", 16, "int32"),
            f("firmware_hash", 17, "bytes"),
            f("debug", 18, "bool"),
            f("counters", 19, "int64", "map", "uint32"),
        ]),
        Message("Location", [
            f("latitude", 1, "double"),
            f("longitude", 2, "double"),
            f("altitude_m", 3, "float"),
            f("accuracy_m", 4, "float", "optional"),
            f("fix", 5, "Fix"),
        ]),
        Message("Fix", [
            f("satellites", 1, "int32"),
            f("hdop", 2, "float"),
            f("type", 3, "FixType"),
        ]),
        Message("Battery", [
            f("percent", 1, "uint32"),
            f("voltage_v", 2, "float"),
            f("charging", 3, "bool"),
            f("temperature_c", 4, "int32", "optional"),
            f("cells", 5, "Cell", "repeated"),
        ]),
        Message("Cell", [f("index", 1, "uint32"), f("voltage_mv", 2, "int32")]),
        Message("Reading", [
            f("sensor", 1, "string"),
            f("value", 2, "double"),
            f("unit", 3, "Unit"),
            f("timestamp_ms", 4, "int64"),
        ]),
        Message("Alarm", [
            f("code", 1, "int32"),
            f("level", 2, "AlarmLevel"),
            f("message", 3, "string"),
        ]),
    ]  # fmt: skip
    enums = [
        Enum("DeviceState", "DEVICE_STATE",
             [("UNSPECIFIED", 0), ("IDLE", 1), ("ACTIVE", 2), ("SLEEPING", 3), ("FAULT", 4)]),
        Enum("FixType", "FIX_TYPE",
             [("UNSPECIFIED", 0), ("NONE", 1), ("FIX_2D", 2), ("FIX_3D", 3)]),
        Enum("Unit", "UNIT",
             [("UNSPECIFIED", 0), ("CELSIUS", 1), ("PERCENT", 2), ("VOLT", 3), ("AMPERE", 4)]),
        Enum("AlarmLevel", "ALARM_LEVEL",
             [("UNSPECIFIED", 0), ("INFO", 1), ("WARNING", 2), ("CRITICAL", 3)]),
    ]  # fmt: skip
    return Schema(messages, enums, ["first version"])


# ---------------------------------------------------------------------------------------------
# Evolutions: each changes the schema in place and returns what it did, or None when it does
# not apply to this schema (nothing of the kind left to change).


def _key(name: str) -> str:
    """protoc rejects two fields whose JSON names differ only in case or underscores."""
    return name.replace("_", "").lower()


def _fresh_name(message: Message, wanted: str) -> str:
    taken = {_key(f.name) for f in message.fields} | {_key(n) for n in message.reserved_names}
    name, n = wanted, 2
    while _key(name) in taken:
        name, n = f"{wanted}_{n}", n + 1
    return name


def _fresh_number(message: Message) -> int:
    number = message.next_number
    while number in message.reserved_numbers:
        number += 1
    message.next_number = number + 1
    return number


def _random_type(schema: Schema, rng: random.Random, nested: bool) -> tuple[str, str, str]:
    """(type, label, key) of a new field; the root also gets message, repeated and map fields."""
    roll = rng.random()
    enums = [e.name for e in schema.enums]
    if roll < 0.6 or nested:
        type_ = rng.choice(SCALARS) if rng.random() < 0.85 else rng.choice(enums)
        label = "optional" if rng.random() < 0.2 else ""
        if not nested and rng.random() < 0.15:
            label = "repeated"
        return type_, label, ""
    if roll < 0.75:
        return rng.choice(SCALARS[:7]), "repeated", ""
    if roll < 0.88:
        return rng.choice(("string", "int32", "double", "Reading")), "map", rng.choice(MAP_KEYS)
    return rng.choice(("Reading", "Location", "Alarm")), rng.choice(("", "repeated")), ""


def add_field(schema: Schema, rng: random.Random) -> str | None:
    root = schema.message(ROOT)
    unused = [m for m in NEW_MESSAGES if not schema.is_message(m)]
    if unused and rng.random() < 0.15:
        # A new nested message, and a field of that type on the root.
        name = rng.choice(sorted(unused))
        inner = Message(name, [Field(n, i + 1, t) for i, (n, t) in enumerate(NEW_MESSAGES[name])])
        schema.messages.append(inner)
        field_name = _fresh_name(root, name.lower())
        root.fields.append(Field(field_name, _fresh_number(root), name))
        return f"added message {name} as Telemetry.{field_name}"
    type_, label, key = _random_type(schema, rng, nested=False)
    name = _fresh_name(root, rng.choice(WORDS))
    number = _fresh_number(root)
    root.fields.append(Field(name, number, type_, label, key))
    shown = f"map<{key}, {type_}>" if label == "map" else f"{label} {type_}".strip()
    return f"added Telemetry.{name} = {number} ({shown})"


def add_nested_field(schema: Schema, rng: random.Random) -> str | None:
    nested = [m for m in schema.messages if m.name != ROOT]
    message = rng.choice(nested)
    type_, label, _ = _random_type(schema, rng, nested=True)
    name = _fresh_name(message, rng.choice(WORDS))
    number = _fresh_number(message)
    message.fields.append(Field(name, number, type_, label))
    return f"added {message.name}.{name} = {number} ({f'{label} {type_}'.strip()})"


def add_enum_value(schema: Schema, rng: random.Random) -> str | None:
    enum = rng.choice(schema.enums)
    names = {n for n, _ in enum.values}
    unused = [w for w in ENUM_WORDS if w not in names]
    if not unused:
        return None
    name = rng.choice(unused)
    number = max(n for _, n in enum.values) + 1
    enum.values.append((name, number))
    return f"added enum value {enum.prefix}_{name} = {number}"


def _fields(schema: Schema) -> list[tuple[Message, Field]]:
    return [(m, f) for m in schema.messages for f in m.fields]


def remove_field(schema: Schema, rng: random.Random) -> str | None:
    choices = [
        (m, f)
        for m, f in _fields(schema)
        if not f.oneof and not schema.is_message(f.type) and len(m.fields) > 2
    ]
    if not choices:
        return None
    message, gone = rng.choice(choices)
    message.fields.remove(gone)
    message.reserved_numbers.append(gone.number)
    message.reserved_names.append(gone.name)
    return f"removed {message.name}.{gone.name} (reserved {gone.number} and its name)"


def rename_field(schema: Schema, rng: random.Random) -> str | None:
    message, renamed = rng.choice(_fields(schema))
    base = re.sub(r"_v\d+(_\d+)?$", "", renamed.name)
    wanted = [SYNONYMS.get(base), REVERSE.get(base), f"{base}_v{schema.version}"]
    others = Message(message.name, [f for f in message.fields if f is not renamed],
                     message.reserved_numbers, message.reserved_names)  # fmt: skip
    choices = [w for w in wanted if w and w != renamed.name]
    new = _fresh_name(others, choices[0]) if choices else renamed.name
    if new == renamed.name:
        return None  # renamed once already in this version: change something else
    old, renamed.name = renamed.name, new
    return f"renamed {message.name}.{old} -> {new} (same number {renamed.number})"


def _retype(
    schema: Schema, rng: random.Random, old: str, new: str, what: str
) -> str | None:  # fmt: skip
    choices = [(m, f) for m, f in _fields(schema) if f.type == old and f.label != "map"]
    if not choices:
        return None
    message, changed = rng.choice(choices)
    changed.type = new
    return f"{what} {message.name}.{changed.name} {old} -> {new}"


def widen(schema: Schema, rng: random.Random) -> str | None:
    return _retype(schema, rng, "int32", "int64", "widened")


def risky(schema: Schema, rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.4:
        return _retype(schema, rng, "int32", "uint32", "risky:")
    if roll < 0.7:
        return _retype(schema, rng, "float", "double", "risky:")
    root = schema.message(ROOT)
    choices = [f for f in root.fields if not f.label and not f.oneof]
    if not choices:
        return None
    moved = rng.choice(choices)
    moved.oneof = "payload"
    return f"risky: moved Telemetry.{moved.name} into oneof payload"


EVOLUTIONS = (
    (add_field, 3),
    (add_nested_field, 2),
    (add_enum_value, 2),
    (remove_field, 2),
    (rename_field, 2),
    (widen, 2),
    (risky, 1),
)
ADDING = {add_field, add_nested_field}


def evolve(schema: Schema, rng: random.Random) -> None:
    """One new version: one to three changes, keeping the field count near 40."""
    schema.changes = []
    schema.version += 1
    for _ in range(rng.choice((1, 2, 2, 3))):
        for _attempt in range(20):
            count = schema.field_count()
            step = rng.choices([e for e, _ in EVOLUTIONS], [w for _, w in EVOLUTIONS])[0]
            if (step in ADDING and count > HIGH) or (step is remove_field and count <= LOW):
                continue
            change = step(schema, rng)
            if change is not None:
                schema.changes.append(change)
                break


# ---------------------------------------------------------------------------------------------
# Rendering


def render(schema: Schema, title: str) -> str:
    lines = [f"// {title} (generated by benchmarks/history.py)"]
    lines += [f"// - {change}" for change in schema.changes]
    lines += ['syntax = "proto3";', "", f"package {PACKAGE};", ""]
    for enum in schema.enums:
        lines.append(f"enum {enum.name} {{")
        lines += [f"  {enum.prefix}_{name} = {number};" for name, number in enum.values]
        lines += ["}", ""]
    for message in schema.messages:
        lines.append(f"message {message.name} {{")
        if message.reserved_numbers:
            lines.append(f"  reserved {', '.join(map(str, sorted(message.reserved_numbers)))};")
        if message.reserved_names:
            lines.append(f"  reserved {', '.join(json.dumps(n) for n in message.reserved_names)};")
        oneofs: dict[str, list[Field]] = {}
        for f in message.fields:
            if f.oneof:
                oneofs.setdefault(f.oneof, []).append(f)
            else:
                lines.append(f"  {_declaration(f)}")
        for name, members in oneofs.items():
            lines.append(f"  oneof {name} {{")
            lines += [f"    {_declaration(f)}" for f in members]
            lines.append("  }")
        lines += ["}", ""]
    return "\n".join(lines)


def _declaration(f: Field) -> str:
    if f.label == "map":
        return f"map<{f.key}, {f.type}> {f.name} = {f.number};"
    label = f"{f.label} " if f.label else ""
    return f"{label}{f.type} {f.name} = {f.number};"


FAMILY_TOML = f"""\
format = "proto"
root = "{PACKAGE}.{ROOT}"
encodings = ["proto-binary", "proto-json"]
proto_json_unknown = "ignore"
"""


def write_history(dest: Path, versions: int, seed: int = 0) -> Path:
    """Write a family of `versions` versions into `dest` (created) and return `dest`."""
    if versions < 1:
        raise ValueError("a history has at least one version")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "family.toml").write_text(FAMILY_TOML, encoding="utf-8")
    rng = random.Random(seed)
    schema = initial_schema()
    for index in range(1, versions + 1):
        if index > 1:
            evolve(schema, rng)
        folder = dest / f"v{index}"
        folder.mkdir(exist_ok=True)
        (folder / "telemetry.proto").write_text(render(schema, f"v{index}"), encoding="utf-8")
    state = {"seed": seed, "versions": versions, "schema": json.loads(schema.to_json())}
    (dest / STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")
    return dest


def write_candidate(dest: Path, family_dir: Path, seed: int = 0) -> Path:
    """Write one more evolution of the last version of the history in `family_dir` into
    `dest/candidate/` and return that folder (load it as a candidate version)."""
    state = json.loads((Path(family_dir) / STATE_FILE).read_text(encoding="utf-8"))
    schema = Schema.from_json(json.dumps(state["schema"]))
    evolve(schema, random.Random(f"candidate:{state['seed']}:{state['versions']}:{seed}"))
    folder = Path(dest) / CANDIDATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "telemetry.proto").write_text(render(schema, "candidate"), encoding="utf-8")
    return folder


if __name__ == "__main__":  # write a history to look at: python benchmarks/history.py DIR N
    import sys

    out = write_history(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 30)
    print(f"wrote {out}")
