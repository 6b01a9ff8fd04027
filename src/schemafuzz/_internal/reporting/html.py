"""The HTML report: one self-contained file (inline CSS and script, nothing fetched) with a
summary, a writer x reader heatmap per family and encoding, and every finding, filterable by
kind, severity and status.

Schema-supplied text appears only escaped, in element text and attribute values; the script
holds no data (it reads `data-*` attributes) and a Content-Security-Policy lets only this
script and style run, so neither injected markup nor a network request can execute.
"""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape

from schemafuzz._internal.catalog import KINDS, Severity
from schemafuzz._internal.outcome import BASELINED, IGNORED, NEW, FamilyOutcome, Outcome, Verdict

PairKey = tuple[str, str, str]  # (writer, reader, encoding)
STATUSES = (NEW, BASELINED, IGNORED)

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table.heatmap { border-collapse: collapse; margin: .5em 0 1.5em; }
.heatmap th, .heatmap td { border: 1px solid #bbb; padding: .3em .7em; text-align: center; }
.heatmap th[scope=row] { text-align: left; }
td.ok { background: #dff5df; } td.none { color: #999; } td.old { background: #eee; }
.sev-error { background: #f8c9c4; } .sev-warning { background: #fbe7b5; }
.sev-info { background: #d6e9f8; }
fieldset { border: 1px solid #ccc; margin: 1em 0; } fieldset div { margin: .2em 0; }
label { margin-right: 1em; white-space: nowrap; }
article.finding { border: 1px solid #ccc; border-left-width: 6px; margin: 1em 0; padding: 0 1em; }
article.finding.sev-error { border-left-color: #c0392b; background: none; }
article.finding.sev-warning { border-left-color: #d68910; background: none; }
article.finding.sev-info { border-left-color: #2e86c1; background: none; }
.badge { border-radius: 3px; padding: 0 .4em; font-size: .85em; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }
dt { font-weight: bold; } dd { margin: 0; }
pre { background: #f6f6f6; padding: .5em; white-space: pre-wrap; word-break: break-all; }
"""

SCRIPT = """
(() => {
  "use strict";
  const boxes = Array.from(document.querySelectorAll("#filters input[type=checkbox]"));
  const findings = Array.from(document.querySelectorAll("article.finding"));
  const count = document.getElementById("shown");
  const apply = () => {
    const on = new Set(boxes.filter((b) => b.checked).map((b) => b.name + ":" + b.value));
    let shown = 0;
    for (const el of findings) {
      const d = el.dataset;
      const visible = on.has("kind:" + d.kind) && on.has("severity:" + d.severity)
        && on.has("status:" + d.status);
      el.hidden = !visible;
      shown += visible ? 1 : 0;
    }
    count.textContent = shown + " of " + findings.length + " findings shown";
  };
  boxes.forEach((b) => b.addEventListener("change", apply));
  apply();
})();
"""


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


# Nothing but this exact style and script may run or load: no network, no injected code.
CSP = f"default-src 'none'; style-src {_csp_hash(CSS)}; script-src {_csp_hash(SCRIPT)}"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _json(value: object, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=indent)


def _summary(outcome: Outcome) -> str:
    new = [v.finding.severity for v in outcome.verdicts if v.status == NEW]
    per = ", ".join(f"{new.count(s)} {s.label}" for s in sorted(Severity, reverse=True))
    counts = outcome.counts()
    found = f"{len(new)} new ({per}), {counts[BASELINED]} baselined, {counts[IGNORED]} ignored"
    facts = [
        ("result", "fails" if outcome.exit_code else "passes"),
        ("findings", found),
        ("fail on", outcome.fail_on),
        ("seed", str(outcome.seed)),
        ("examples", str(outcome.examples)),
    ]
    if outcome.base is not None:
        facts.append(("base", outcome.base))
    if outcome.baseline is not None:
        facts.append(("baseline", outcome.baseline))
    if outcome.unchanged:
        facts.append(("unchanged, not checked", ", ".join(outcome.unchanged)))
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    return f'<dl class="summary">{rows}</dl>'


def _cell(key: PairKey, verdicts: list[Verdict] | None) -> str:
    """Coloured by the worst new finding; grey when all are baselined or ignored."""
    if verdicts is None:
        return '<td class="none">–</td>'
    new = [v.finding.severity for v in verdicts if v.status == NEW]
    css = f"sev-{max(new).label}" if new else ("old" if verdicts else "ok")
    writer, reader, encoding = key
    statuses = ", ".join(
        f"{n} {s}" for s in STATUSES if (n := sum(v.status == s for v in verdicts))
    )
    title = f"{writer} -> {reader} {encoding}: {len(verdicts)} findings"
    title += f" ({statuses})" if statuses else ""
    return f'<td class="{css}" title="{_e(title)}">{len(verdicts)}</td>'


def _heatmaps(family: FamilyOutcome) -> str:
    pairs = family.by_pair()
    parts = []
    for encoding in family.report.encodings:
        keys = [k for k in pairs if k[2] == encoding]
        if not keys:
            continue
        writers = [v for v in family.report.versions if any(k[0] == v for k in keys)]
        readers = [v for v in family.report.versions if any(k[1] == v for k in keys)]
        head = "".join(f'<th scope="col">{_e(r)}</th>' for r in readers)
        rows = "".join(
            f'<tr><th scope="row">{_e(w)}</th>'
            + "".join(_cell((w, r, encoding), pairs.get((w, r, encoding))) for r in readers)
            + "</tr>"
            for w in writers
        )
        parts.append(
            f'<table class="heatmap"><caption>{_e(encoding)} (rows: writer, columns: reader)'
            f"</caption><tr><th>writer \\ reader</th>{head}</tr>{rows}</table>"
        )
    candidate = (
        f"<p>candidate: {_e(family.candidate_path or family.candidate)}</p>"
        if family.candidate is not None
        else ""
    )
    return f"<h2>{_e(family.name)} ({_e(family.format)})</h2>{candidate}{''.join(parts)}"


def _checkboxes(name: str, values: list[str]) -> str:
    boxes = "".join(
        f'<label><input type="checkbox" name="{name}" value="{_e(v)}" checked> {_e(v)}</label>'
        for v in values
    )
    return f"<div>{name}: {boxes}</div>"


def _filters(outcome: Outcome) -> str:
    present = {v.finding.kind for v in outcome.verdicts}
    kinds = [k.id for k in KINDS if k.id in present]
    kinds += sorted(present - set(kinds))
    severities = [s.label for s in sorted(Severity, reverse=True)]
    return (
        '<fieldset id="filters"><legend>Show</legend>'
        + _checkboxes("kind", kinds)
        + _checkboxes("severity", severities)
        + _checkboxes("status", list(STATUSES))
        + '<div id="shown"></div></fieldset>'
    )


def _facts(verdict: Verdict) -> list[tuple[str, str]]:
    f = verdict.finding
    facts = [("family", f.family), ("pair", f"{f.writer} -> {f.reader}"), ("encoding", f.encoding)]
    if f.via is not None:
        facts.append(("relay", f.via))
    if verdict.direction is not None:
        facts.append(("direction", f"{verdict.direction} with {verdict.deployed}"))
    if verdict.location is not None:
        facts.append(("schema", f"{verdict.location.file}:{verdict.location.line}"))
    if verdict.reason:
        facts.append(("reason", verdict.reason))
    return facts + [("written", _json(f.written)), ("read", _json(f.read))]


def _finding(number: int, verdict: Verdict) -> str:
    f = verdict.finding
    severity = f.severity.label
    status = f"{verdict.status}, fails" if verdict.fails else verdict.status
    facts = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in _facts(verdict))
    blocks = [
        ("minimal example", _json(f.example, indent=2)),
        ("encoded bytes (hex)", f.encoded or "(none)"),
        ("reproduce", f.reproduce),
    ]
    pres = "".join(f"<h4>{title}</h4><pre>{_e(text)}</pre>" for title, text in blocks)
    return (
        f'<article class="finding sev-{severity}" id="finding-{number}" data-kind="{_e(f.kind)}" '
        f'data-severity="{severity}" data-status="{_e(verdict.status)}">'
        f'<h3><span class="badge sev-{severity}">{severity}</span> {_e(f.kind)} at '
        f"<code>{_e(f.path or '(message)')}</code> <small>({_e(status)})</small></h3>"
        f"<p>{_e(f.explanation)}</p><dl>{facts}</dl>{pres}</article>"
    )


def render_html(outcome: Outcome) -> str:
    """The outcome as one HTML page that needs no network; failing findings first."""
    ordered = sorted(outcome.verdicts, key=lambda v: (not v.fails, -v.finding.severity))
    findings = "".join(_finding(i, v) for i, v in enumerate(ordered, start=1))
    body = (
        f"<h1>schemafuzz {_e(outcome.command)}</h1>{_summary(outcome)}"
        + "".join(_heatmaps(family) for family in outcome.families)
        + f"<h2>Findings</h2>{_filters(outcome)}{findings or '<p>No findings.</p>'}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>schemafuzz {_e(outcome.command)} report</title><style>{CSS}</style></head>"
        f"<body>{body}<script>{SCRIPT}</script></body></html>\n"
    )
