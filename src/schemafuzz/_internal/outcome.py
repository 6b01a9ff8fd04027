"""What a run decided: each finding with its verdict (new, baselined, ignored), direction and
location, per family; what every report format (text, JSON, JUnit, SARIF, Markdown, HTML,
GitHub annotations) renders.

`fuzz` and `check` both produce an `Outcome`: a `fuzz` run has every finding `new`; a `check`
also knows the base ref, the deployed versions, the directions and the baseline.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemafuzz._internal.catalog import Finding, Severity
from schemafuzz._internal.model import Family
from schemafuzz._internal.report import Report

UPLINK = "uplink"  # devices (deployed versions) write, the cloud (candidate) reads
DOWNLINK = "downlink"  # the cloud (candidate) writes, devices (deployed versions) read
DIRECTIONS = (UPLINK, DOWNLINK)
NEW, BASELINED, IGNORED = "new", "baselined", "ignored"


@dataclass(frozen=True)
class Location:
    """Where a finding points in a schema file: a path as shown to the user, a 1-based line."""

    file: str  # POSIX path, relative to the repository root when there is one
    line: int


@dataclass(frozen=True)
class Deployed:
    """A version running in the field (manifest `deployed`): `"fw-2.3" = {version, share}`."""

    version: str
    label: str | None = None
    share: float | None = None

    @property
    def title(self) -> str:
        """How reports name it: `v4 (fw-2.3, 41%)`."""
        extra = [self.label] if self.label and self.label != self.version else []
        if self.share is not None:
            extra.append(f"{self.share:.0%}")
        return f"{self.version} ({', '.join(extra)})" if extra else self.version


@dataclass
class Verdict:
    """One finding and what the run decided about it."""

    finding: Finding
    status: str = NEW  # new | baselined | ignored
    fails: bool = False  # counts toward the exit code (new and at or above --fail-on)
    direction: str | None = None  # uplink | downlink; None outside a candidate run
    deployed: str | None = None  # the version on the other side of the candidate
    reason: str = ""  # why it is ignored (manifest ignore) or baselined
    location: Location | None = None

    def fingerprint(self) -> dict[str, str]:
        """What a baseline stores: stable across runs (no example, no seed, no values)."""
        f = self.finding
        entry = {
            "kind": f.kind,
            "family": f.family,
            "encoding": f.encoding,
            "path": f.path,
            "version": self.deployed if self.deployed is not None else f"{f.writer}->{f.reader}",
            "direction": self.direction or "",
        }
        if f.via is not None:
            entry["via"] = f.via
        return entry

    def to_json(self) -> dict[str, Any]:
        out = {
            **self.finding.to_json(),
            "status": self.status,
            "fails": self.fails,
            "direction": self.direction,
            "deployed": self.deployed,
        }
        if self.reason:
            out["reason"] = self.reason
        if self.location is not None:
            out["location"] = {"file": self.location.file, "line": self.location.line}
        return out


@dataclass
class FamilyOutcome:
    """One family's run and verdicts."""

    report: Report
    format: str
    verdicts: list[Verdict] = field(default_factory=list)  # same order as report.findings
    candidate: str | None = None  # the candidate version's name, when one was checked
    candidate_path: str | None = None  # its file or folder, as shown to the user
    deployed: list[Deployed] = field(default_factory=list)  # empty: every version
    directions: list[str] = field(default_factory=lambda: list(DIRECTIONS))

    @property
    def name(self) -> str:
        return self.report.family

    def by_pair(self) -> dict[tuple[str, str, str], list[Verdict]]:
        """Verdicts per (writer, reader, encoding): every pair that ran, in run order, then
        pairs only findings name (a state family's writer read by itself)."""
        pairs: dict[tuple[str, str, str], list[Verdict]] = {
            (p.writer, p.reader, p.encoding): [] for p in self.report.pairs
        }
        for verdict in self.verdicts:
            f = verdict.finding
            pairs.setdefault((f.writer, f.reader, f.encoding), []).append(verdict)
        return pairs

    def deployed_versions(self) -> list[Deployed]:
        """The deployed versions, or every non-candidate version when none are declared."""
        if self.deployed:
            return self.deployed
        return [Deployed(v) for v in self.report.versions if v != self.candidate]


@dataclass
class Outcome:
    """Everything one `fuzz` or `check` run decided, for every report format."""

    command: str  # "fuzz" | "check" | "baseline"
    families: list[FamilyOutcome]
    fail_on: str = "error"
    examples: int = 0
    seed: int = 0
    base: str | None = None  # the git ref a check compared against
    unchanged: list[str] = field(default_factory=list)  # families without changes vs base
    stale: list[dict[str, str]] = field(default_factory=list)  # baseline entries not seen
    baseline: str | None = None  # the baseline file used, if any

    @property
    def verdicts(self) -> list[Verdict]:
        return [v for family in self.families for v in family.verdicts]

    @property
    def failing(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.fails]

    @property
    def worst(self) -> Severity | None:
        """The worst severity among new findings (baselined and ignored ones do not count)."""
        return max((v.finding.severity for v in self.verdicts if v.status == NEW), default=None)

    @property
    def interrupted(self) -> bool:
        return any(family.report.interrupted for family in self.families)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130  # Ctrl-C: the findings so far were reported
        return 1 if self.failing else 0

    def counts(self) -> dict[str, int]:
        out = {NEW: 0, BASELINED: 0, IGNORED: 0}
        for verdict in self.verdicts:
            out[verdict.status] += 1
        return out


def fails(severity: Severity, fail_on: str) -> bool:
    """Does a new finding of `severity` fail a run with `--fail-on fail_on`?"""
    return fail_on != "never" and severity >= Severity.parse(fail_on)


def direction_of(finding: Finding, candidate: str | None) -> tuple[str | None, str | None]:
    """(direction, deployed version) of a finding in a candidate run; (None, None) otherwise."""
    if candidate is None or finding.writer == finding.reader:
        return None, None
    if finding.reader == candidate:
        return UPLINK, finding.writer
    if finding.writer == candidate:
        return DOWNLINK, finding.reader
    return None, None


def locate(version: Any, path: str, root: Path | None = None) -> Location | None:
    """The line of field `path` in `version`'s schema files (the version itself, when the field
    is not in it), shown relative to `root` (default: the working directory) when inside it."""
    found = None
    finder = getattr(version.codec, "locate", None)
    if finder is not None:
        found = finder(path)
    if found is None:
        files = _schema_files(version.path)
        if not files:
            return None
        found = _text_locate(files, path) or (files[0], 1)
    file, line = found
    return Location(shown_path(Path(file), root), line)


def _text_locate(files: list[Path], path: str) -> tuple[Path, int] | None:
    """The line naming the field at `path` in JSON-like schema text (Avro `"name": "x"`,
    JSON Schema `"x":`), each name searched after the previous one; the deepest found."""
    names = [n for n in path.replace("[i]", "").split(".") if n]
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        at, best = 0, None
        for name in names:
            quoted = re.escape(json.dumps(name))
            match = re.compile(rf'"name"\s*:\s*{quoted}|{quoted}\s*:').search(text, at)
            if match is None:
                break
            at, best = match.end(), match.start()
        if best is not None:
            return file, text.count("\n", 0, best) + 1
    return None


def _schema_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(p for p in path.rglob("*") if p.suffix in (".proto", ".avsc", ".json"))


def shown_path(file: Path, root: Path | None = None) -> str:
    """`file` as reports show it: relative to `root` (default: the working directory) when
    inside it, else as given (POSIX)."""
    base = (root or Path.cwd()).resolve()
    try:
        return file.resolve().relative_to(base).as_posix()
    except ValueError:
        return file.as_posix()


def from_fuzz(
    family: Family | None,
    report: Report,
    *,
    fail_on: str = "error",
    examples: int = 0,
    candidate: str | None = None,
    root: Path | None = None,
) -> Outcome:
    """A `fuzz` run as an Outcome: every finding new; located in the candidate when there is
    one, else in the later version of its pair (the one whose change shows). Without the family
    (a merged report), findings have no location."""
    index = {v.name: v for v in family.versions} if family is not None else {}
    verdicts = []
    for finding in report.findings:
        direction, deployed = direction_of(finding, candidate)
        location = None
        if family is not None:
            if candidate is not None:
                subject = index[candidate]
            else:
                pair = (index[finding.writer], index[finding.reader])
                subject = max(pair, key=lambda v: v.index)
            location = locate(subject, finding.path, root)
        verdicts.append(
            Verdict(
                finding,
                status=NEW,
                fails=fails(finding.severity, fail_on),
                direction=direction,
                deployed=deployed,
                location=location,
            )
        )
    outcome = FamilyOutcome(
        report=report,
        format=family.format if family is not None else "",
        verdicts=verdicts,
        candidate=candidate,
        candidate_path=shown_path(index[candidate].path, root) if candidate in index else None,
    )
    return Outcome("fuzz", [outcome], fail_on=fail_on, examples=examples, seed=report.seed)
