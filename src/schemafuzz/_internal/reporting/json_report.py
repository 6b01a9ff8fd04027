"""The JSON report: stable keys, sorted findings, JSON-safe values (byte-identical per seed)."""

from __future__ import annotations

import json

from schemafuzz._internal.report import Report


def render_json(report: Report) -> str:
    return (
        json.dumps(report.to_json(), indent=2, ensure_ascii=False, allow_nan=False, sort_keys=True)
        + "\n"
    )
