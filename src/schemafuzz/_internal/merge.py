"""Merging the JSON reports of a sharded run (`fuzz --shard I/N`) into the report an unsharded
run with the same seed gives, byte for byte.

Each shard ran a disjoint slice of the (writer, encoding) runs, and every finding and pair
belongs to exactly one of them, so the merge is a union put back in plan order: pairs by
(writer, encoding, reader) in history order, findings by the report's own sort.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemafuzz._internal.catalog import KIND_BY_ID, Finding, Severity
from schemafuzz._internal.errors import InputError
from schemafuzz._internal.report import PairResult, Report

SAME = ("family", "versions", "encodings", "seed")


def load_report(path: Path) -> Report:
    """A report from its JSON (`fuzz --report json`); an InputError naming the file if not."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such report") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a JSON report ({exc})") from None
    try:
        report = Report(
            family=str(data["family"]),
            versions=[str(v) for v in data["versions"]],
            encodings=[str(e) for e in data["encodings"]],
            seed=int(data["seed"]),
            findings=[_finding(f) for f in data["findings"]],
            pairs=[_pair(p) for p in data["pairs"]],
            shard=data.get("shard"),
            notes=[str(n) for n in data.get("notes", [])],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: not a schemafuzz JSON report (missing or wrong {exc})") from None
    return report


def _finding(data: dict[str, Any]) -> Finding:
    if data["kind"] not in KIND_BY_ID:
        raise ValueError(f"kind {data['kind']!r}")
    return Finding(
        family=data["family"],
        kind=data["kind"],
        severity=Severity.parse(data["severity"]),
        writer=data["writer"],
        reader=data["reader"],
        encoding=data["encoding"],
        path=data["path"],
        written=data["written"],
        read=data["read"],
        example=data["example"],
        encoded=data["encoded"],
        explanation=data["explanation"],
        reproduce=data["reproduce"],
        via=data.get("via"),
    )


def _pair(data: dict[str, Any]) -> PairResult:
    return PairResult(
        writer=data["writer"],
        reader=data["reader"],
        encoding=data["encoding"],
        examples=int(data["examples"]),
        findings=int(data["findings"]),
    )


def merge(paths: list[Path]) -> Report:
    """One report from the shards' reports: every shard 1..N of one run, exactly once."""
    if not paths:
        raise InputError("merge needs at least one report")
    reports = [load_report(p) for p in paths]
    first = reports[0]
    for path, report in zip(paths, reports, strict=True):
        for key in SAME:
            if getattr(report, key) != getattr(first, key):
                raise InputError(f"{path}: a report of another run ({key} differs from {paths[0]})")
    _check_shards(paths, reports)
    index = {name: i for i, name in enumerate(first.versions)}
    encodings = {name: i for i, name in enumerate(first.encodings)}
    merged = Report(first.family, first.versions, first.encodings, first.seed)
    for report in reports:
        merged.findings.extend(report.findings)
        merged.pairs.extend(report.pairs)
        merged.notes.extend(n for n in report.notes if n not in merged.notes)
    merged.pairs.sort(
        key=lambda p: (
            index.get(p.writer, -1),
            encodings.get(p.encoding, -1),
            index.get(p.reader, -1),
        )
    )
    merged.mark_pairs()
    merged.sort_findings()
    return merged


def _check_shards(paths: list[Path], reports: list[Report]) -> None:
    shards: dict[int, Path] = {}
    total = None
    for path, report in zip(paths, reports, strict=True):
        if report.shard is None:
            if len(reports) > 1:
                raise InputError(f"{path}: not a shard (run with --shard I/N)")
            continue
        index, count = (int(x) for x in report.shard.split("/"))
        if total is not None and count != total:
            raise InputError(f"{path}: shard {report.shard} of another split (expected /{total})")
        total = count
        if index in shards:
            raise InputError(f"{path}: shard {report.shard} given twice (also {shards[index]})")
        shards[index] = path
    if total is not None:
        missing = [str(i) for i in range(1, total + 1) if i not in shards]
        if missing:
            raise InputError(f"shards {', '.join(missing)} of {total} are missing")
