"""Hypothesis strategies for the messages of a schema version, for a suite's own `@given` tests.

Each strategy is built from the loaded version (`schemafuzz.load_family(...).version("v3")`),
validates its arguments when called (raising `hypothesis.errors.InvalidArgument`) and draws
messages valid for that version by construction (no filtering). Settings come from the test
that uses them: the suite's Hypothesis profile (database, derandomize, max_examples) applies.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from schemafuzz._internal.model import Version

__all__ = ["encoded", "messages", "sequences"]


def messages(version: Version, *, native: bool = False) -> st.SearchStrategy[Any]:
    """Messages valid for `version`.

    As plain values by default: a dict in the format's JSON mapping as schemafuzz's reports
    show it (protobuf: `MessageToDict` with the .proto field names; Avro: the record with bytes
    as text; JSON Schema: the instance itself). With `native=True`, the format's own objects:
    a protobuf `Message` of the version's class, an Avro record as fastavro writes it, a JSON
    instance.

    Shrinks towards fewer fields set and simpler values: zero, empty strings and lists, the
    first enum value, unset optional fields.
    """
    codec = _codec(version)
    strategy: st.SearchStrategy[Any] = codec.strategy()
    if native:
        return strategy.map(_native)
    return strategy.map(codec.example_json)


def encoded(version: Version, encoding: str) -> st.SearchStrategy[bytes]:
    """The bytes `version`'s own encoder writes for its messages in `encoding` (e.g.
    `proto-binary`, `avro-json`, `cbor`): what a device on that version puts on the wire.

    Shrinks as `messages` does, so towards the shortest encodings. A generated value the
    version's encoder itself refuses (a codec limit) is skipped.
    """
    codec = _codec(version)
    known = [e.name for e in version.family.encodings] if version.family else []
    if known and encoding not in known:
        raise InvalidArgument(
            f"encoding={encoding!r} is not one of {version.name}'s: {', '.join(known)}"
        )

    def encode(value: Any) -> bytes | None:
        try:
            return bytes(codec.encode(value, encoding))
        except Exception:
            return None

    return _present(codec.strategy().map(encode))


def sequences(version: Version, *, native: bool = False) -> st.SearchStrategy[list[Any]]:
    """Lists of 1-3 messages of `version` in the order a reader receives them, under the
    family's state semantics (family.toml `delivery`, `ordering`): in send order, or under
    at-least-once delivery reordered with up to two duplicates; an ordering field counts up
    in send order. Half the time the last message clears what the one before set (the update
    that delta protocols get wrong).

    Shrinks towards fewer messages, no duplicates, send order and simpler messages.
    """
    from schemafuzz._internal.model import StateConfig
    from schemafuzz._internal.state import RECONNECT, sequence_strategy

    codec = _codec(version)
    config = (version.family.state if version.family else None) or StateConfig()
    field = version.root.by_name().get(config.ordering) if config.ordering else None
    ordering = field if field is not None and field.category == "int" else None
    shown = _native if native else codec.example_json

    def delivered(sequence: Any) -> list[Any]:
        return [shown(sequence.sent[i]) for i in sequence.delivered if i != RECONNECT]

    return sequence_strategy(codec, config, ordering).map(delivered)  # type: ignore[no-any-return]


def _present(values: st.SearchStrategy[bytes | None]) -> st.SearchStrategy[bytes]:
    return values.filter(lambda b: b is not None)  # type: ignore[return-value]


def _codec(version: Any) -> Any:
    if not isinstance(version, Version):
        raise InvalidArgument(
            f"expected a schemafuzz Version (family.version('v3')), got {type(version).__name__}"
        )
    return version.codec


def _native(value: Any) -> Any:
    """A protobuf value is drawn with the arguments it was built from; give the message."""
    return getattr(value, "message", value)
