"""Shared helpers: fixture families on disk and a quick in-process run."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemafuzz._internal.catalog import Finding, Severity
from schemafuzz._internal.family import load_family
from schemafuzz._internal.report import Report
from schemafuzz._internal.runner import RunOptions, run

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROTO = FIXTURES / "proto"
REALWORLD = ROOT.parent / "shared" / "realworld"


def fuzz_fixture(path: Path, examples: int = 60, **options: object) -> Report:
    """Fuzz a fixture family in-process (one job, so failures show plain tracebacks)."""
    family = load_family(path)
    return run(family, RunOptions(examples=examples, jobs=1, **options))  # type: ignore[arg-type]


def keys(report: Report, at_least: Severity = Severity.INFO) -> set[tuple[str, str, str, str, str]]:
    """(kind, writer, reader, encoding, path) of every finding at or above a severity."""
    return {
        (f.kind, f.writer, f.reader, f.encoding, f.path)
        for f in report.findings
        if f.severity >= at_least
    }


def only(report: Report, kind: str, writer: str, reader: str) -> Finding:
    found = [f for f in report.findings if (f.kind, f.writer, f.reader) == (kind, writer, reader)]
    assert len(found) == 1, [f.to_json() for f in report.findings]
    return found[0]


def write_family(root: Path, versions: dict[str, dict[str, str]], toml: str | None = None) -> Path:
    """A family folder from {version: {relative path: text}}."""
    root.mkdir(parents=True, exist_ok=True)
    for version, files in versions.items():
        for rel, text in files.items():
            target = root / version / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    if toml is not None:
        (root / "family.toml").write_text(toml, encoding="utf-8")
    return root


@pytest.fixture
def family_dir(tmp_path: Path) -> Path:
    return tmp_path / "family"
