"""The text report of a replay: the `fuzz` report's matrices and findings, plus the corpus files
that could not be replayed (each with its one-line reason) and a summary counting files.

The JSON report needs nothing extra: `ReplayReport.to_json` adds the `unreadable` list.
"""

from __future__ import annotations

from rich.text import Text

from schemafuzz._internal.catalog import Severity
from schemafuzz._internal.replay import ReplayReport
from schemafuzz._internal.reporting.text import make_console, print_body, severity_counts


def render_replay_text(report: ReplayReport, *, width: int = 120, color: bool = False) -> str:
    buffer, console = make_console(width, color)
    console.print(
        f"schemafuzz replay: family {report.family}, versions {', '.join(report.versions)}; "
        f"corpus {report.corpus}",
        markup=False,
    )
    print_body(console, report)
    if report.unreadable:
        console.print()
        title = f"unreadable corpus files ({len(report.unreadable)}) — not replayed"
        console.print(Text(title, style="bold red"))
        for item in report.unreadable:
            console.print(f"  {item.name}: {item.reason}", markup=False, highlight=False)
    console.print()
    console.print(replay_summary_line(report), markup=False)
    return buffer.getvalue()


def replay_summary_line(report: ReplayReport) -> str:
    counts = severity_counts(report)
    unreadable = f"; {len(report.unreadable)} unreadable" if report.unreadable else ""
    return (
        f"{report.files} files replayed against {len(report.pairs)} pairs{unreadable}: "
        f"{counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, "
        f"{counts[Severity.INFO]} info"
    )
