"""GitHub Actions annotations: one workflow command per failing finding (`::error`) and per
new finding of warning severity or worse that does not fail the run (`::warning`).

Escaping follows GitHub's runner: in the message `%`, CR and LF are percent-encoded; in a
property value (file, line, title) also `:` and `,`.
"""

from __future__ import annotations

import json

from schemafuzz._internal.catalog import Severity
from schemafuzz._internal.outcome import NEW, Outcome, Verdict


def escape_data(text: str) -> str:
    """A workflow command's message: `escape_data("a%\\nb")` is `a%25%0Ab`."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: `escape_property("a:b,c")` is `a%3Ab%2Cc`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _level(verdict: Verdict) -> str | None:
    if verdict.fails:
        return "error"
    if verdict.status == NEW and verdict.finding.severity >= Severity.WARNING:
        return "warning"
    return None


def _message(verdict: Verdict) -> str:
    f = verdict.finding
    if f.kind == "decode-error":
        values = f"reader error: {f.read}"
    else:
        written = json.dumps(f.written, ensure_ascii=False, sort_keys=True)
        values = f"wrote {written}, read {json.dumps(f.read, ensure_ascii=False, sort_keys=True)}"
    via = f" (through a relay on {f.via})" if f.via is not None else ""
    return f"{f.path or '(message)'}: {values}{via}\n{f.explanation}\nreproduce: {f.reproduce}"


def _command(level: str, verdict: Verdict) -> str:
    f = verdict.finding
    properties: list[tuple[str, object]] = []
    if verdict.location is not None:
        properties += [("file", verdict.location.file), ("line", verdict.location.line)]
    properties.append(
        ("title", f"schemafuzz {f.kind}: {f.family} {f.writer} -> {f.reader} [{f.encoding}]")
    )
    escaped = ",".join(f"{name}={escape_property(str(value))}" for name, value in properties)
    return f"::{level} {escaped}::{escape_data(_message(verdict))}"


def github_annotations(outcome: Outcome) -> list[str]:
    """One workflow command line per annotated verdict, in report order."""
    return [
        _command(level, verdict)
        for verdict in outcome.verdicts
        if (level := _level(verdict)) is not None
    ]
