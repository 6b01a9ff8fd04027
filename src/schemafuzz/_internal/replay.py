"""Replay a corpus: decode every captured message with every other version of its family.

Where `fuzz` generates a writer's messages, a replay takes them from disk: the folder of a
corpus file names its writer and its extension the encoding (see `corpus.py`). The writer's own
decode of the bytes is the writer's view, exactly as for a generated example, so a replay
reports the same finding kinds, with the same checks, as `fuzz` — with the file name as the
example. The checks (plans, oracles) are built once per (writer, encoding), not per file.

A file the writer itself cannot decode (truncated, another encoding, a message of another
version) is unreadable, named in the report with the writer's error; the replay goes on with
the rest and the command exits 2 at the end.
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemafuzz._internal.catalog import Finding, Severity
from schemafuzz._internal.corpus import CorpusEntry, Unreadable, read_corpus
from schemafuzz._internal.matching import History
from schemafuzz._internal.model import DecodeFailure, Encoding, Family, Version
from schemafuzz._internal.oracle import Difference
from schemafuzz._internal.report import Report
from schemafuzz._internal.runner import (
    Check,
    finding_from,
    make_checks,
    select_names,
    severity_of,
)


@dataclass
class ReplayOptions:
    """What to replay: all files against all other versions unless filtered (reproduce uses it)."""

    files: list[str] | None = None  # only these corpus files (names relative to the corpus)
    readers: list[str] | None = None  # only these reader versions
    reproduce_args: list[str] = field(default_factory=list)  # --root … as given


@dataclass
class ReplayReport(Report):
    """A runner `Report` whose examples are corpus files, plus the files it could not replay."""

    corpus: str = ""
    files: int = 0  # files replayed (decoded by their writer)
    unreadable: list[Unreadable] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data.pop("seed", None)  # nothing is generated: a replay has no seed
        data["corpus"] = self.corpus
        data["files"] = self.files
        data["unreadable"] = [u.to_json() for u in self.unreadable]
        return data


def _readers(family: Family, wanted: list[str] | None) -> list[Version]:
    """The readers of a `--reader` filter; an unknown name is a typo, not an empty replay."""
    names = select_names([v.name for v in family.versions], wanted, "reader version")
    return [v for v in family.versions if v.name in names]


@dataclass
class _Context:
    """What every (writer, encoding) of one replay shares."""

    family: Family
    corpus: Path
    options: ReplayOptions
    history: History


class _WriterReplay:
    """Every corpus file of one (writer, encoding), checked against every other reader."""

    def __init__(
        self, context: _Context, writer: Version, encoding: Encoding, readers: list[Version]
    ) -> None:
        self.context = context
        self.writer = writer
        self.encoding = encoding
        others = [r for r in readers if r is not writer]
        self.checks = make_checks(writer, encoding, others, context.history)
        self.seen: dict[tuple[str, str, str], Finding] = {}
        self.unreadable: list[Unreadable] = []
        self.replayed = 0

    def replay(self, entry: CorpusEntry) -> None:
        """The writer's view of the file, then every reader's; the first file shows a finding."""
        codec = self.writer.codec
        try:
            written = codec.decode(entry.data, self.encoding.name, codec)
        except DecodeFailure as exc:
            reason = f"not a {self.encoding.name} message of {self.writer.name}: {exc}"
            self.unreadable.append(Unreadable(entry.name, reason))
            return
        self.replayed += 1
        for check in self.checks:
            check.result.examples += 1
            for difference in check.differences(
                entry.data, written, self.writer, self.encoding.name
            ):
                key = (difference.kind, check.reader.name, difference.path)
                if key not in self.seen:
                    self.seen[key] = self._finding(check, entry, difference)

    def findings(self) -> list[Finding]:
        """The distinct findings, counted into each reader's pair result."""
        checks = {c.reader.name: c for c in self.checks}
        for (_, reader, _), finding in self.seen.items():
            result = checks[reader].result
            result.findings += 1
            result.worst = max(finding.severity, result.worst or finding.severity)
        return list(self.seen.values())

    def into(self, report: ReplayReport) -> None:
        """Findings, pairs (when a file was replayed) and unreadable files into the report."""
        report.unreadable.extend(self.unreadable)
        report.files += self.replayed
        report.findings.extend(self.findings())
        if self.replayed:
            report.pairs.extend(c.result for c in self.checks)

    def _finding(self, check: Check, entry: CorpusEntry, difference: Difference) -> Finding:
        return finding_from(
            difference,
            family=self.context.family.name,
            writer=self.writer.name,
            reader=check.reader.name,
            encoding=self.encoding.name,
            example=entry.name,
            encoded=entry.data.hex(),
            reproduce=self.reproduce(entry.name, check.reader.name),
            # Info findings stay in the per-pair summary, as `fuzz` lists them by default.
            shrunk=severity_of(difference) > Severity.INFO,
        )

    def reproduce(self, name: str, reader: str) -> str:
        context = self.context
        args = [
            "schemafuzz",
            "replay",
            str(context.family.path),
            str(context.corpus),
            *context.options.reproduce_args,
            "--file",
            name,
            "--reader",
            reader,
        ]
        return shlex.join(args)


def replay(
    family: Family, corpus: str | Path, options: ReplayOptions | None = None
) -> ReplayReport:
    """Replay every file of `corpus` against every other version of `family`."""
    options = options or ReplayOptions()
    corpus = Path(corpus)
    readers = _readers(family, options.readers)
    read = read_corpus(family, corpus, options.files)
    report = ReplayReport(
        family=family.name,
        versions=[v.name for v in family.versions],
        encodings=[e.name for e in family.encodings],
        seed=0,
        corpus=str(corpus),
        unreadable=list(read.unreadable),
    )
    groups: dict[tuple[str, str], list[CorpusEntry]] = defaultdict(list)
    for entry in read.entries:
        groups[(entry.writer.name, entry.encoding.name)].append(entry)
    context = _Context(family, corpus, options, History(family.versions))
    for writer in family.versions:
        for encoding in family.encodings:
            entries = groups.get((writer.name, encoding.name))
            if not entries:
                continue
            run = _WriterReplay(context, writer, encoding, readers)
            for entry in entries:
                run.replay(entry)
            run.into(report)
    report.unreadable.sort(key=lambda u: u.name)
    report.sort_findings()
    return report
