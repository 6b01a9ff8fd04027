"""Relays: a gateway on version G decodes each message, re-encodes it with G and forwards it.

For a writer W, relay G and reader R, the reader's view of W -> G -> R is compared with its view
of W -> R directly (both are R's views, so the plan is R against itself). What R holds directly
and loses through the relay is `relay-loss`. protobuf binary keeps unknown fields through a
re-encode, so an old gateway forwards new fields intact; proto-json, Avro and JSON re-encode only
what the gateway's schema declares, so the same gateway drops them.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemafuzz._internal.matching import History, Planner
from schemafuzz._internal.model import DecodeFailure, Encoding, Version, View
from schemafuzz._internal.oracle import Difference, Oracle
from schemafuzz._internal.runner import Check


@dataclass
class RelayCheck(Check):
    """W -> G -> R against W -> R, keyed by reader and relay."""

    gateway: Version | None = None
    why: Oracle | None = None  # R against G: why a field does not survive G

    @classmethod
    def build(cls, check: Check, gateway: Version, encoding: Encoding) -> RelayCheck:
        reader = check.reader
        history = History([reader, gateway])
        identity = Oracle(Planner(reader, reader, encoding, history).plan(), encoding.keyed_by)
        why = Oracle(Planner(reader, gateway, encoding, history).plan(), encoding.keyed_by)
        return cls(reader, identity, check.result, gateway, why)

    @property
    def name(self) -> str:
        assert self.gateway is not None
        return f"{self.reader.name} via {self.gateway.name}"

    @property
    def via(self) -> str | None:
        return self.gateway.name if self.gateway is not None else None

    def differences(
        self, data: bytes, written: View, writer: Version, encoding: str
    ) -> list[Difference]:
        assert self.gateway is not None
        try:
            direct = self.reader.codec.decode(data, encoding, writer.codec)
        except DecodeFailure:
            return []  # a decode error of the reader itself, reported without the relay
        gateway = self.gateway.name
        try:
            relayed = self.gateway.codec.relay(data, encoding, writer.codec)
        except Exception as exc:  # the gateway rejects the message: nothing is forwarded
            return [_lost("", f"the relay on {gateway} rejects the message: {_line(exc)}")]
        try:
            read = self.reader.codec.decode(relayed, encoding, self.gateway.codec)
        except DecodeFailure as exc:
            return [_lost("", f"the reader rejects what the relay on {gateway} forwards: {exc}")]
        return [self._explained(d, encoding) for d in self.oracle.compare(direct, read)]

    def _explained(self, difference: Difference, encoding: str) -> Difference:
        assert self.gateway is not None and self.why is not None
        cause = self.why.explain(difference.path)
        how = (
            f"lost through the relay on {self.gateway.name}: it re-encodes {encoding} with its "
            "own schema"
        )
        return Difference(
            "relay-loss",
            difference.path,
            difference.written,
            difference.read,
            difference.writer_field,
            difference.reader_field,
            f"{how}; {cause}" if cause else how,
        )


def _lost(path: str, explanation: str) -> Difference:
    return Difference("relay-loss", path, None, None, None, None, explanation)


def _line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"
