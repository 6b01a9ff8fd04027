"""Report writers: text (rich) and JSON, from a runner `Report`; no format knowledge here."""

from __future__ import annotations

from schemafuzz._internal.reporting.files import write_atomic
from schemafuzz._internal.reporting.json_report import render_json
from schemafuzz._internal.reporting.text import render_text

REPORTS = ("text", "json")

__all__ = ["REPORTS", "render_json", "render_text", "write_atomic"]
