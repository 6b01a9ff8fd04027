"""Report writers: text (rich) and JSON, from a runner `Report`; no format knowledge here."""

from __future__ import annotations

from schemafuzz.reporting.files import write_atomic
from schemafuzz.reporting.json_report import render_json
from schemafuzz.reporting.text import render_text

REPORTS = ("text", "json")

__all__ = ["REPORTS", "render_json", "render_text", "write_atomic"]
