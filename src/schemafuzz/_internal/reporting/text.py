"""The text report: a writer x reader matrix per encoding, then findings grouped by kind."""

from __future__ import annotations

import json
from collections import defaultdict
from io import StringIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from schemafuzz._internal.catalog import KINDS, Finding, Severity
from schemafuzz._internal.report import PairResult, Report

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
MARK = {Severity.ERROR: "error", Severity.WARNING: "warn", Severity.INFO: "info"}


def _cell(result: PairResult | None) -> Text:
    if result is None:
        return Text("")
    if result.worst is None:
        return Text("ok", style="green")
    return Text(f"{MARK[result.worst]} {result.findings}", style=STYLE[result.worst])


def _matrix(report: Report, encoding: str) -> Table | None:
    cells = {(p.writer, p.reader): p for p in report.pairs if p.encoding == encoding}
    if not cells:
        return None
    writers = [v for v in report.versions if any(w == v for w, _ in cells)]
    readers = [v for v in report.versions if any(r == v for _, r in cells)]
    table = Table(title=f"{report.family} · {encoding} (rows: writer, columns: reader)")
    table.add_column("writer \\ reader")
    for reader in readers:
        table.add_column(reader, justify="center")
    for writer in writers:
        table.add_row(writer, *(_cell(cells.get((writer, r))) for r in readers))
    return table


def _example(finding: Finding) -> str:
    return json.dumps(finding.example, ensure_ascii=False, sort_keys=True)


def _value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _finding_block(console: Console, finding: Finding) -> None:
    path = finding.path or "(message)"
    head = Text(f"  {finding.writer} -> {finding.reader}  {finding.encoding}  ")
    head.append(path, style="bold")
    console.print(head)
    if finding.kind == "decode-error":
        console.print(f"    reader error: {finding.read}", markup=False)
    else:
        console.print(
            f"    wrote {_value(finding.written)}, read {_value(finding.read)}", markup=False
        )
    console.print(f"    why: {finding.explanation}", markup=False, highlight=False)
    console.print(f"    example: {_example(finding)}", markup=False)
    console.print(f"    bytes: {finding.encoded or '(none)'}", markup=False, highlight=False)
    console.print(f"    reproduce: {finding.reproduce}", markup=False, highlight=False)


def _info_summary(console: Console, findings: list[Finding]) -> None:
    by_pair: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for finding in findings:
        key = (finding.writer, finding.reader, finding.encoding, finding.kind)
        by_pair[key].append(finding.path)
    console.print(Text(f"info ({len(findings)}), per pair:", style=STYLE[Severity.INFO]))
    for (writer, reader, encoding, kind), paths in by_pair.items():
        console.print(
            f"  {writer} -> {reader}  {encoding}  {kind}: {', '.join(paths)}",
            markup=False,
            highlight=False,
        )


def make_console(width: int = 120, color: bool = False) -> tuple[StringIO, Console]:
    """A console writing into a buffer: the report is a string, whoever prints or saves it."""
    buffer = StringIO()
    console = Console(
        file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False
    )
    return buffer, console


def render_text(report: Report, *, width: int = 120, color: bool = False) -> str:
    buffer, console = make_console(width, color)
    examples = max((p.examples for p in report.pairs), default=0)
    console.print(
        f"schemafuzz: family {report.family}, versions {', '.join(report.versions)}; "
        f"seed {report.seed}",
        markup=False,
    )
    print_body(console, report)
    console.print()
    console.print(summary_line(report, examples), markup=False)
    return buffer.getvalue()


def print_body(console: Console, report: Report) -> None:
    """Matrices, findings by kind, info per pair and notes: what `fuzz` and `replay` share."""
    for encoding in report.encodings:
        table = _matrix(report, encoding)
        if table is not None:
            console.print(table)
    shown = [f for f in report.findings if f.severity > Severity.INFO or f.shrunk]
    # Silent losses first: a decode error is loud in production, a changed value is not.
    for kind in sorted(KINDS, key=lambda k: k.id == "decode-error"):
        group = [f for f in shown if f.kind == kind.id]
        if not group:
            continue
        console.print()
        title = Text(f"{kind.id} ({len(group)}) — {kind.purpose}", style=STYLE[kind.severity])
        console.print(title)
        for finding in group:
            _finding_block(console, finding)
    info = [f for f in report.findings if f.severity == Severity.INFO and not f.shrunk]
    if info:
        console.print()
        _info_summary(console, info)
    for note in report.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    for key, count in report.skipped.items():
        console.print(
            f"note: {key}: {count} generated examples skipped ({report.skip_reasons.get(key, '')})",
            markup=False,
            highlight=False,
        )


def severity_counts(report: Report) -> dict[Severity, int]:
    counts = {s: 0 for s in Severity}
    for finding in report.findings:
        counts[finding.severity] += 1
    return counts


def summary_line(report: Report, examples: int) -> str:
    counts = severity_counts(report)
    skipped = sum(report.skipped.values())
    note = f"; {skipped} examples skipped (see notes)" if skipped else ""
    if report.interrupted:
        note += (
            f"; INTERRUPTED: {report.interrupted} writer/encoding runs did not finish, "
            "these are the findings so far"
        )
    return (
        f"{len(report.pairs)} pairs, up to {examples} examples each: "
        f"{counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, "
        f"{counts[Severity.INFO]} info{note}"
    )
