"""A run's result: the pairs that ran and the findings, sorted deterministically.

Light on purpose (standard library and the catalog only): `import schemafuzz` exposes `Report`
without loading Hypothesis or any codec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemafuzz._internal.catalog import Finding, Severity


@dataclass
class PairResult:
    writer: str
    reader: str
    encoding: str
    examples: int = 0
    findings: int = 0
    worst: Severity | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "writer": self.writer,
            "reader": self.reader,
            "encoding": self.encoding,
            "examples": self.examples,
            "findings": self.findings,
        }


@dataclass
class Report:
    family: str
    versions: list[str]
    encodings: list[str]
    seed: int
    findings: list[Finding] = field(default_factory=list)
    pairs: list[PairResult] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # writer/encoding: unencodable examples
    skip_reasons: dict[str, str] = field(default_factory=dict)  # writer/encoding: first reason
    shard: str | None = None  # "I/N" when this run was one shard of a split (--shard)
    interrupted: int = 0  # (writer, encoding) runs Ctrl-C stopped before they finished
    notes: list[str] = field(default_factory=list)  # resource bounds the run hit

    def sort_findings(self) -> None:
        """By encoding, then writer and reader in history order, then kind and path."""
        index = {name: i for i, name in enumerate(self.versions)}
        self.findings.sort(
            key=lambda f: (
                f.encoding,
                index.get(f.writer, -1),
                index.get(f.reader, -1),
                f.kind,
                f.path,
            )
        )

    def mark_pairs(self) -> None:
        """Each pair's worst severity, from the findings (after they were changed or merged)."""
        worst: dict[tuple[str, str, str], Severity] = {}
        for finding in self.findings:
            cell = (finding.writer, finding.reader, finding.encoding)
            worst[cell] = max(finding.severity, worst.get(cell, finding.severity))
        for pair in self.pairs:
            pair.worst = worst.get((pair.writer, pair.reader, pair.encoding))

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "findings": [f.to_json() for f in self.findings],
            "pairs": [p.to_json() for p in self.pairs],
            "versions": self.versions,
            "encodings": self.encodings,
            "seed": self.seed,
            **({"shard": self.shard} if self.shard is not None else {}),
            **({"interrupted": self.interrupted} if self.interrupted else {}),
            **({"notes": sorted(self.notes)} if self.notes else {}),  # sorted: shards merge
        }
