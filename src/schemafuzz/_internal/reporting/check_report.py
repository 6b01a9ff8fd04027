"""The text and JSON reports of an `Outcome` (a `check`), and the dispatch of every report
format by name."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from schemafuzz._internal.outcome import BASELINED, IGNORED, NEW, FamilyOutcome, Outcome
from schemafuzz._internal.reporting.text import make_console, print_body

OUTCOME_REPORTS = ("text", "json", "junit", "sarif", "markdown", "html")


def summary(outcome: Outcome) -> str:
    """One line: what ran, what it found, whether it fails."""
    counts = outcome.counts()
    failing = len(outcome.failing)
    against = f" against {outcome.base}" if outcome.base else ""
    families = ", ".join(f.name for f in outcome.families) or "no family changed"
    verdict = f"fails: {failing} new findings at or above {outcome.fail_on}" if failing else "ok"
    return (
        f"schemafuzz {outcome.command}{against} ({families}): {counts[NEW]} new, "
        f"{counts[BASELINED]} baselined, {counts[IGNORED]} ignored findings; {verdict}"
    )


def render_check_text(outcome: Outcome, *, width: int = 120, color: bool = False) -> str:
    buffer, console = make_console(width, color)
    base = f" against {outcome.base}" if outcome.base else ""
    console.print(f"schemafuzz {outcome.command}{base}; seed {outcome.seed}", markup=False)
    if outcome.unchanged:
        console.print(f"unchanged (not checked): {', '.join(outcome.unchanged)}", markup=False)
    for family in outcome.families:
        _family_text(console, family)
    if outcome.stale:
        console.print()
        console.print(
            f"baseline entries that no longer occur ({len(outcome.stale)}; prune them with "
            "`schemafuzz baseline`):",
            markup=False,
        )
        for entry in outcome.stale:
            console.print("  " + _entry(entry), markup=False, highlight=False)
    console.print()
    console.print(summary(outcome), markup=False)
    return buffer.getvalue()


def _family_text(console: Any, family: FamilyOutcome) -> None:
    console.print()
    deployed = ", ".join(d.title for d in family.deployed_versions())
    console.print(
        f"family {family.name}: candidate {family.candidate_path} against {deployed} "
        f"({', '.join(family.directions)})",
        markup=False,
        highlight=False,
    )
    new = [v.finding for v in family.verdicts if v.status == NEW]
    print_body(console, replace(family.report, findings=new))
    for status in (BASELINED, IGNORED):
        accepted = [v for v in family.verdicts if v.status == status]
        if accepted:
            console.print(f"{status} ({len(accepted)}):", markup=False)
            for verdict in accepted:
                f = verdict.finding
                reason = f" — {verdict.reason}" if status == IGNORED else ""
                console.print(
                    f"  {f.kind} {f.writer} -> {f.reader} {f.encoding} {f.path}{reason}",
                    markup=False,
                    highlight=False,
                )


def _entry(entry: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(entry.items()))


def render_outcome_json(outcome: Outcome) -> str:
    body = {
        "command": outcome.command,
        "base": outcome.base,
        "fail_on": outcome.fail_on,
        "examples": outcome.examples,
        "seed": outcome.seed,
        "counts": outcome.counts(),
        "failing": len(outcome.failing),
        "unchanged": outcome.unchanged,
        "stale": outcome.stale,
        "families": [
            {
                **{k: v for k, v in family.report.to_json().items() if k != "findings"},
                "format": family.format,
                "candidate": family.candidate_path,
                "deployed": [
                    {"version": d.version, "label": d.label, "share": d.share}
                    for d in family.deployed_versions()
                ],
                "directions": family.directions,
                "findings": [v.to_json() for v in family.verdicts],
            }
            for family in outcome.families
        ],
    }
    return json.dumps(body, indent=2, ensure_ascii=False, allow_nan=False, sort_keys=True) + "\n"


def render(kind: str, outcome: Outcome, *, color: bool = False) -> str:
    """The report `kind` (one of OUTCOME_REPORTS) of `outcome`."""
    if kind == "text":
        return render_check_text(outcome, color=color)
    if kind == "json":
        return render_outcome_json(outcome)
    if kind == "junit":
        from schemafuzz._internal.reporting.junit import render_junit

        return render_junit(outcome)
    if kind == "sarif":
        from schemafuzz._internal.reporting.sarif import render_sarif

        return render_sarif(outcome)
    if kind == "markdown":
        from schemafuzz._internal.reporting.markdown import render_markdown

        return render_markdown(outcome)
    if kind == "html":
        from schemafuzz._internal.reporting.html import render_html

        return render_html(outcome)
    raise ValueError(kind)
