"""The Markdown report, for a pull-request comment: a summary line, a matrix per family (the
deployed versions against the candidate, or writer x reader), the top findings, stale entries.

Every string a schema supplies (names, paths, values, explanations) is escaped, so it cannot
inject Markdown or HTML into the comment; examples sit in code blocks fenced longer than any
backtick run they hold.
"""

from __future__ import annotations

import html
import json
import re

from schemafuzz._internal.catalog import Severity
from schemafuzz._internal.outcome import (
    BASELINED,
    DOWNLINK,
    IGNORED,
    NEW,
    UPLINK,
    FamilyOutcome,
    Outcome,
    Verdict,
)

TOP = 10  # findings shown in full; the rest are counted
VALUE_WIDTH = 200  # characters of a written or read value shown inline
PairKey = tuple[str, str, str]  # (writer, reader, encoding)

_SPECIAL = re.compile(r"([\\`*_\[\]|~#!$])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def escape(text: str) -> str:
    """Inline text that renders as itself: no HTML, no emphasis, links, code or table cells.

    `escape("<b>|x_1|</b>")` is `&lt;b&gt;\\|x\\_1\\|&lt;/b&gt;`.
    """
    text = _CONTROL.sub(" ", html.escape(text, quote=False))
    return _SPECIAL.sub(r"\\\1", text)


def _code(text: str) -> str:
    """An inline code span that no backtick inside `text` can close."""
    text = _CONTROL.sub(" ", text)
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _fenced(text: str, language: str) -> list[str]:
    fence = "`" * max(3, max(map(len, re.findall("`+", text)), default=0) + 1)
    return [f"{fence}{language}", text, fence]


def _json(value: object, indent: int | None = None) -> str:
    """JSON with `<`, `>` and `&` as `\\u` escapes: the same value, no markup in any renderer."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=indent)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _value(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return escape(text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 or word == "info" else f"{count} {word}s"


def _summary(outcome: Outcome) -> str:
    head = f"**schemafuzz {escape(outcome.command)}**"
    if outcome.base is not None:
        head += f" against {_code(outcome.base)}"
    new = [v.finding.severity for v in outcome.verdicts if v.status == NEW]
    by_severity = [
        _plural(new.count(s), s.label) for s in sorted(Severity, reverse=True) if s in new
    ]
    detail = f" ({', '.join(by_severity)})" if by_severity else ""
    counts = outcome.counts()
    verdict = "fails" if outcome.exit_code else "passes"
    return (
        f"{head}: {_plural(len(new), 'new finding')}{detail}, {counts[BASELINED]} baselined, "
        f"{counts[IGNORED]} ignored — {verdict}"
    )


def _cell(verdicts: list[Verdict] | None) -> str:
    """`❌ 2 failing (error) · 1 baselined`; `–` for a pair that did not run."""
    if verdicts is None:
        return "–"
    failing = [v.finding.severity for v in verdicts if v.fails]
    parts = [f"❌ {len(failing)} failing ({max(failing).label})" if failing else "✅ ok"]
    new = [v.finding.severity for v in verdicts if v.status == NEW and not v.fails]
    if new:
        parts.append(f"{len(new)} new ({max(new).label})")
    for status in (BASELINED, IGNORED):
        count = sum(v.status == status for v in verdicts)
        if count:
            parts.append(f"{count} {status}")
    return " · ".join(parts)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *map(_row, rows)]


def _deployed_matrix(family: FamilyOutcome, candidate: str) -> list[str]:
    """One row per deployed version, one column per (direction, encoding)."""
    pairs = family.by_pair()
    columns = [(d, e) for d in family.directions for e in family.report.encodings]
    rows = []
    for deployed in family.deployed_versions():
        cells = [escape(deployed.title)]
        for direction, encoding in columns:
            writer, reader = (
                (deployed.version, candidate)
                if direction == UPLINK
                else (candidate, deployed.version)
            )
            cells.append(_cell(pairs.get((writer, reader, encoding))))
        rows.append(cells)
    shown = escape(family.candidate_path or candidate)
    legend = (
        f"{UPLINK}: the deployed version writes, the candidate ({shown}) reads; "
        f"{DOWNLINK}: the candidate writes, the deployed version reads."
    )
    header = ["deployed", *(f"{d} · {escape(e)}" for d, e in columns)]
    return [*_table(header, rows), "", legend, ""]


def _pair_matrices(family: FamilyOutcome) -> list[str]:
    """Per encoding, rows: writer, columns: reader."""
    pairs = family.by_pair()
    lines: list[str] = []
    for encoding in family.report.encodings:
        keys = [k for k in pairs if k[2] == encoding]
        if not keys:
            continue
        writers = [v for v in family.report.versions if any(k[0] == v for k in keys)]
        readers = [v for v in family.report.versions if any(k[1] == v for k in keys)]
        rows = [
            [escape(w), *(_cell(pairs.get((w, r, encoding))) for r in readers)] for w in writers
        ]
        header = ["writer \\\\ reader", *map(escape, readers)]
        lines += [f"**{escape(encoding)}**", "", *_table(header, rows), ""]
    return lines


def _family(family: FamilyOutcome) -> list[str]:
    lines = [f"### {escape(family.name)} ({escape(family.format)})", ""]
    if family.candidate is not None:
        return lines + _deployed_matrix(family, family.candidate)
    return lines + _pair_matrices(family)


def _status(verdict: Verdict) -> str:
    if verdict.fails:
        return "fails"
    reason = f": {escape(verdict.reason)}" if verdict.reason else ""
    return f"{verdict.status}{reason}"


def _finding(number: int, verdict: Verdict) -> list[str]:
    f = verdict.finding
    path = escape(f.path) if f.path else "(message)"
    where = [
        f"{escape(f.writer)} -> {escape(f.reader)}",
        escape(f.encoding),
        f"family {escape(f.family)}",
    ]
    if f.via is not None:
        where.append(f"through a relay on {escape(f.via)}")
    if verdict.direction is not None:
        where.append(f"{verdict.direction} with {escape(verdict.deployed or '')}")
    if verdict.location is not None:
        where.append(f"{escape(verdict.location.file)}:{verdict.location.line}")
    if f.kind == "decode-error":
        values = f"reader error: {_value(f.read)}"
    else:
        values = f"wrote {_value(f.written)}, read {_value(f.read)}"
    return [
        f"#### {number}. {escape(f.kind)} ({f.severity.label}, {_status(verdict)}): {path}",
        "",
        " · ".join(where) + "  ",
        f"{values} — {escape(f.explanation)}",
        "",
        "<details><summary>minimal example and reproduce command</summary>",
        "",
        *_fenced(_json(f.example, indent=2), "json"),
        "",
        *_fenced(f.reproduce, "sh"),
        "",
        "</details>",
        "",
    ]


def _findings(outcome: Outcome) -> list[str]:
    """Failing findings first, then the others; each group worst severity first."""
    ordered = sorted(outcome.verdicts, key=lambda v: (not v.fails, -v.finding.severity))
    if not ordered:
        return []
    lines = ["### Findings", ""]
    for number, verdict in enumerate(ordered[:TOP], start=1):
        lines += _finding(number, verdict)
    if len(ordered) > TOP:
        lines += [f"… and {_plural(len(ordered) - TOP, 'more finding')} in the full report.", ""]
    return lines


def _stale(outcome: Outcome) -> list[str]:
    if not outcome.stale:
        return []
    lines = [
        "### Stale baseline entries",
        "",
        "These no longer occur; prune them with `schemafuzz baseline`:",
        "",
    ]
    for entry in outcome.stale:
        lines.append("- " + ", ".join(f"{escape(k)}={escape(v)}" for k, v in sorted(entry.items())))
    return [*lines, ""]


def render_markdown(outcome: Outcome) -> str:
    """The outcome as a pull-request comment; its first line is the one-line summary."""
    lines = [_summary(outcome), ""]
    if outcome.unchanged:
        since = f" since {_code(outcome.base)}" if outcome.base is not None else ""
        lines += [f"Unchanged{since}, not checked: {', '.join(map(escape, outcome.unchanged))}", ""]
    for family in outcome.families:
        lines += _family(family)
    lines += _findings(outcome) + _stale(outcome)
    return "\n".join(lines).rstrip("\n") + "\n"
