"""Rebuild the bundled example corpora from hand-written telemetry values.

Each message is what a device on that firmware would send; it is encoded with the version's real
encoder (the same codec `fuzz` uses), so the bytes are exactly what the device puts on the wire.
Run from the repository root: `.venv/bin/python corpora/make_examples.py`. A test checks that the
shipped files equal what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from schemafuzz._internal.family import load_family

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# (version, file name, encoding, value as the version's proto-json / Avro record)
THERMOSTAT: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "v1",
        "heating-21c5.bin",
        "proto-binary",
        {
            "device_id": "TH-00A3F1",
            "temp": 21.5,
            "mode": "MODE_HEATING",
            "uptime_s": 86400,
            "target_c": 22,
            "battery_v": 2.875,
            "sequence": 1440,
            "fan_running": True,
        },
    ),
    (
        "v2",
        "negative-trim.bin",
        "proto-binary",
        {
            "device_id": "TH-01B774",
            "temperature_c": 19.25,
            "mode": "MODE_HEATING",
            "uptime_s": 5400,
            "target_c": 20,
            "setpoint_offset": -15,
            "battery_v": 3.0,
            "sequence": 90,
            "humidity_pct": 44.5,
            "reboot_count": 3,
        },
    ),
    (
        "v2",
        "negative-trim.json",
        "proto-json",
        {
            "device_id": "TH-01B774",
            "temperature_c": 19.25,
            "mode": "MODE_HEATING",
            "uptime_s": 5460,
            "target_c": 20,
            "setpoint_offset": -15,
            "battery_v": 3.0,
            "sequence": 91,
            "humidity_pct": 44.5,
            "reboot_count": 3,
        },
    ),
    (
        "v5",
        "fault-zone2.bin",
        "proto-binary",
        {
            "device_id": "TH-04C0DE",
            "temperature_c": 12.5,
            "mode": "MODE_FAULT",
            "uptime_s": 1209600,
            "target_c": 21,
            "sequence": 20160,
            "humidity_pct": 58.0,
            "reboot_count": 7,
            "recorded_at": "2026-01-14T06:30:00Z",
            "zone_setpoints": {"living": 21, "bedroom": 18},
            "zone": 2,
        },
    ),
    (
        "v6",
        "ota-update.bin",
        "proto-binary",
        {
            "device_id": "TH-05F00D",
            "temperature_c": 22.0,
            "mode": "MODE_COOLING",
            "uptime_s": 240,
            "target_c": 23,
            "firmware": "2.2.0+b418",
            "sequence": 4,
            "humidity_pct": 51.0,
            "reboot_count": 12,
            "recorded_at": "2026-07-02T14:04:00Z",
            "sensor_id": "RS-7781",
        },
    ),
    (
        "v7",
        "humidity-double.bin",
        "proto-binary",
        {
            "device_id": "TH-06A1B2",
            "temperature_c": 20.75,
            "mode": "MODE_HEATING",
            "uptime_s": 3600,
            "target_c": 21,
            "firmware": "2.3.0+b502",
            "sequence": 60,
            "humidity_pct": 47.3,
            "reboot_count": 1,
            "recorded_at": "2026-11-20T07:15:00Z",
            "wifi_rssi_dbm": -67,
            "zone": 1,
        },
    ),
]


# Avro records as fastavro writes them: timestamps in epoch milliseconds, decimals as their
# two's-complement unscaled bytes (3.61 V at scale 2 is 361).
TRACKER: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "v1",
        "moving-a7.bin",
        "avro-binary",
        {
            "device_id": "TRK-1A07",
            "recorded_at": 1767250800000,
            "position": {"lat": 52.520008, "lon": 13.404954},
            "speed_kmh": 54,
            "status": "MOVING",
            "odometer_m": 1284330,
        },
    ),
    (
        "v2",
        "idle-depot.bin",
        "avro-binary",
        {
            "device_id": "TRK-2B11",
            "recorded_at": 1767254400000,
            "position": {"lat": 48.137154, "lon": 11.576124},
            "speed_kmh": 0,
            "status": "IDLE",
            "odometer_m": 88412,
            "satellites": 9,
            "heading_deg": 270.0,
        },
    ),
    (
        "v4",
        "battery-low.json",
        "avro-json",
        {
            "device_id": "TRK-4C20",
            "recorded_at": 1767261600000,
            "position": {"lat": 50.110922, "lon": 8.682127},
            "speed_kmh": 31.5,
            "status": "MOVING",
            "distance_m": 412077,
            "satellites": 11,
            "heading_deg": 92.5,
            "tags": {"fleet": "north", "driver": "d-118"},
            "battery_v": (361).to_bytes(2, "big", signed=True),
        },
    ),
    (
        "v5",
        "towed-night.bin",
        "avro-binary",
        {
            "device_id": "TRK-5D33",
            "recorded_at": 1767315600000,
            "position": {"lat": 53.551086, "lon": 9.993682, "alt_m": 12.5},
            "speed_kmh": 18.0,
            "status": "TOWED",
            "distance_m": 90210,
            "satellites": 7,
            "heading_deg": None,
            "tags": {},
            "battery_v": None,
            "trail": [
                {"lat": 53.551201, "lon": 9.993512, "alt_m": None},
                {"lat": 53.551350, "lon": 9.993301, "alt_m": None},
            ],
        },
    ),
]


def thermostat() -> dict[str, bytes]:
    """Corpus file name -> bytes, each value encoded by its own version."""
    family = load_family(ROOT / "schemas" / "thermostat")
    files = {}
    for version, name, encoding, value in THERMOSTAT:
        codec: Any = family.version(version).codec
        message = json_format.ParseDict(value, codec.cls())
        files[f"{version}/{name}"] = codec.encode(message, encoding)
    return files


def tracker() -> dict[str, bytes]:
    """Corpus file name -> bytes: Avro records encoded by their own version."""
    family = load_family(ROOT / "schemas" / "tracker")
    return {
        f"{version}/{name}": family.version(version).codec.encode(value, encoding)
        for version, name, encoding, value in TRACKER
    }


def build() -> dict[str, dict[str, bytes]]:
    """Every example corpus: folder under corpora/ -> file name -> bytes."""
    return {"thermostat": thermostat(), "tracker": tracker()}


def main() -> None:
    for corpus, files in build().items():
        for name, data in files.items():
            target = HERE / corpus / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            print(f"{target.relative_to(ROOT)}: {len(data)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
