"""The SARIF 2.1.0 report, for code scanning: one rule per finding kind, one result per verdict.

Baselined findings carry `baselineState: "unchanged"`, ignored ones an external suppression
with the manifest's reason; `partialFingerprints` hold the baseline fingerprint's hash, so a
finding keeps its identity across runs and line moves.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from schemafuzz._internal.catalog import KINDS, Severity
from schemafuzz._internal.outcome import BASELINED, IGNORED, Location, Outcome, Verdict

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "schemafuzz/v1"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
RULE_INDEX = {kind.id: i for i, kind in enumerate(KINDS)}


def _tool_version() -> str:
    try:
        return version("schemafuzz")
    except PackageNotFoundError:
        return "0"


def _rules() -> list[dict[str, Any]]:
    return [
        {
            "id": kind.id,
            "shortDescription": {"text": kind.purpose.split(" (")[0]},
            "fullDescription": {"text": kind.purpose},
            "defaultConfiguration": {"level": LEVEL[kind.severity]},
        }
        for kind in KINDS
    ]


def fingerprint_hash(verdict: Verdict) -> str:
    """The sha256 of the verdict's baseline fingerprint as sorted JSON."""
    text = json.dumps(verdict.fingerprint(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _uri(file: str) -> str:
    path = PurePosixPath(file)
    return path.as_uri() if path.is_absolute() else quote(file)


def _location(location: Location) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(location.file)},
            "region": {"startLine": location.line},
        }
    }


def _values(verdict: Verdict) -> str:
    f = verdict.finding
    if f.kind == "decode-error":
        return f"reader error: {f.read}"
    written = json.dumps(f.written, ensure_ascii=False, sort_keys=True)
    return f"wrote {written}, read {json.dumps(f.read, ensure_ascii=False, sort_keys=True)}"


def _message(verdict: Verdict) -> str:
    f = verdict.finding
    via = f" through a relay on {f.via}" if f.via is not None else ""
    return (
        f"{f.kind} in family {f.family}: {f.writer} -> {f.reader}{via} ({f.encoding}), "
        f"path {f.path or '(message)'}: {_values(verdict)}. {f.explanation}. "
        f"Reproduce: {f.reproduce}"
    )


def _result(verdict: Verdict, with_baseline_state: bool) -> dict[str, Any]:
    f = verdict.finding
    result: dict[str, Any] = {
        "ruleId": f.kind,
        "ruleIndex": RULE_INDEX[f.kind],
        "level": LEVEL[f.severity],
        "message": {"text": _message(verdict)},
        "partialFingerprints": {FINGERPRINT: fingerprint_hash(verdict)},
        "properties": verdict.to_json(),
    }
    if verdict.location is not None:
        result["locations"] = [_location(verdict.location)]
    if with_baseline_state:
        result["baselineState"] = "unchanged" if verdict.status == BASELINED else "new"
    if verdict.status == IGNORED:
        suppression = {"kind": "external"}
        if verdict.reason:
            suppression["justification"] = verdict.reason
        result["suppressions"] = [suppression]
    return result


def render_sarif(outcome: Outcome) -> str:
    """The outcome as one SARIF run (sorted keys, indented: the same outcome, the same bytes).

    `baselineState` is set on every result when the run used a baseline, on none otherwise.
    """
    verdicts = outcome.verdicts
    with_baseline_state = outcome.baseline is not None or any(
        v.status == BASELINED for v in verdicts
    )
    run = {
        "tool": {"driver": {"name": "schemafuzz", "version": _tool_version(), "rules": _rules()}},
        "results": [_result(v, with_baseline_state) for v in verdicts],
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return (
        json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    )
