"""The finding catalog: every kind schemafuzz reports, declared once.

A kind is a stable lowercase ID (users' baselines and configs name it), a default severity and
a one-line purpose. `schemafuzz kinds` prints this table and the docs are generated from it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that `max()` gives the worst."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


@dataclass(frozen=True)
class Kind:
    id: str
    severity: Severity
    purpose: str
    implemented: bool = True


KINDS: tuple[Kind, ...] = (
    Kind("decode-error", Severity.ERROR, "the reader rejects a message the writer produced"),
    Kind(
        "value-changed",
        Severity.ERROR,
        "the counterpart field decodes to a different value (sign flip, truncation, float32 "
        "rounding, bool collapse, other default, last element of a list, renumbered enum value)",
    ),
    Kind(
        "field-dropped",
        Severity.ERROR,
        "the counterpart field exists but comes out unset (wire-type mismatch skipped as "
        "unknown, renumbered field, oneof collapse, packed list read as singular, "
        "renamed JSON key)",
    ),
    Kind(
        "field-unknown",
        Severity.INFO,
        "the writer's field has no counterpart in the reader (normal forward compatibility)",
    ),
    Kind(
        "field-reused",
        Severity.ERROR,
        "the same number carries a different field in writer and reader, and the history shows "
        "it was removed in between",
    ),
    Kind("default-injected", Severity.INFO, "the reader reports a value the writer never sent"),
    Kind(
        "enum-unknown",
        Severity.WARNING,
        "the writer sends an enum value the reader does not know (error where a closed enum "
        "moves it to unknown fields)",
    ),
    Kind(
        "presence-lost",
        Severity.WARNING,
        "the writer set a field explicitly and the reader cannot tell it from unset",
    ),
    Kind(
        "relay-loss",
        Severity.ERROR,
        "lost when a relay on an older version decodes and re-encodes",
    ),
    Kind(
        "stale-state",
        Severity.ERROR,
        "reader state after a message sequence differs from the writer's",
    ),
    Kind(
        "state-hazard",
        Severity.WARNING,
        "a version cannot express a state change even to itself under its state semantics",
    ),
)

KIND_BY_ID: dict[str, Kind] = {kind.id: kind for kind in KINDS}


def kind(kind_id: str) -> Kind:
    return KIND_BY_ID[kind_id]


@dataclass(frozen=True)
class Finding:
    """One distinct defect: (family, kind, writer, reader, encoding, path) identifies it."""

    family: str
    kind: str
    severity: Severity
    writer: str
    reader: str
    encoding: str
    path: str
    written: Any
    read: Any
    example: Any
    encoded: str
    explanation: str
    reproduce: str
    shrunk: bool = True
    via: str | None = None  # the relay version a relay-loss went through

    @property
    def key(self) -> tuple[str, ...]:
        base = (self.family, self.kind, self.writer, self.reader, self.encoding, self.path)
        return base if self.via is None else (*base, self.via)

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "kind": self.kind,
            "severity": self.severity.label,
            "writer": self.writer,
            "reader": self.reader,
            "encoding": self.encoding,
            "path": self.path,
            "written": self.written,
            "read": self.read,
            "example": self.example,
            "encoded": self.encoded,
            "explanation": self.explanation,
            "reproduce": self.reproduce,
            **({"via": self.via} if self.via is not None else {}),
        }


def catalog_markdown() -> str:
    """The catalog as a Markdown table (docs/kinds.md is this text; a test keeps them equal)."""
    lines = [
        "# Finding kinds",
        "",
        "Generated from `src/schemafuzz/_internal/catalog.py` "
        "(`python -m schemafuzz._internal.catalog`); "
        "`schemafuzz kinds` prints the same table.",
        "",
        "| kind | default severity | purpose |",
        "|---|---|---|",
    ]
    for item in KINDS:
        purpose = item.purpose if item.implemented else f"{item.purpose} (not implemented yet)"
        lines.append(f"| `{item.id}` | {item.severity.label} | {purpose} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(catalog_markdown(), end="")
