"""Hypothesis strategies of schema histories, one per format (`HISTORIES`); see history.py."""

from __future__ import annotations

from typing import Any

from tests.selffuzz.avro_histories import avro_histories
from tests.selffuzz.history import History
from tests.selffuzz.jsonschema_histories import jsonschema_histories
from tests.selffuzz.proto_histories import proto_histories

HISTORIES: dict[str, Any] = {
    "proto": proto_histories,
    "avro": avro_histories,
    "jsonschema": jsonschema_histories,
}

__all__ = ["HISTORIES", "History"]
