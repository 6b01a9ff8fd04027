"""The invariants schemafuzz must keep on any schema history, checked through the real CLI.

- no internal error: every run ends with findings or none (exit 0 with --fail-on never), never
  exit 3, and never exit 2 on a valid generated schema;
- the same seed gives a byte-identical JSON report;
- identical writer and reader versions give no finding;
- every finding's printed reproduce command reproduces it (checked for the first finding);
- a history the generator knows to be safe gives no error finding.
"""

from __future__ import annotations

import functools
import json
import shlex
from pathlib import Path
from typing import Any

import typer.testing
from typer.testing import CliRunner

from schemafuzz._internal.cli import app
from tests.selffuzz.history import History

runner = CliRunner()
# Typer's test runner rebuilds the click command from the app on every invoke (about 45 ms, a
# fifth of a history's time); the app does not change, so build it once.
typer.testing._get_command = functools.cache(typer.testing._get_command)  # type: ignore[attr-defined]


class Broken(AssertionError):
    """An invariant does not hold; the message says which, with the history."""


def _fuzz(args: list[str]) -> tuple[int, str, str]:
    result = runner.invoke(app, ["fuzz", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _report(
    directory: Path, examples: int, seed: int, history: History, twice: bool = True
) -> dict[str, Any]:
    args = [str(directory), "--examples", str(examples), "--seed", str(seed), "--jobs", "1",
            "--report", "json", "--fail-on", "never"]  # fmt: skip
    code, out, err = _fuzz(args)
    if code != 0:
        what = "an input error on a valid schema" if code == 2 else f"exit {code}"
        raise Broken(f"{what}: {err.strip()}\n{describe(history)}")
    if twice and _fuzz(args)[1] != out:
        raise Broken(f"the same seed gave a different JSON report\n{describe(history)}")
    loaded: dict[str, Any] = json.loads(out)
    return loaded


def describe(history: History) -> str:
    files = "\n".join(
        f"--- v{i} {name}\n{text}"
        for i, version in enumerate(history.versions, start=1)
        for name, text in version.items()
    )
    return f"steps: {history.steps}; safe: {history.safe}\n{files}"


def check_history(history: History, tmp: Path, examples: int = 8, seed: int = 0) -> int:
    """Check every invariant on `history` (written under `tmp`); the number of findings."""
    report = _report(history.write(tmp / "family"), examples, seed, history)
    findings = report["findings"]
    if history.safe:
        errors = [f for f in findings if f["severity"] == "error"]
        if errors:
            first = errors[0]
            raise Broken(
                f"a safe history gave {first['kind']} at {first['path']} "
                f"({first['writer']} -> {first['reader']} {first['encoding']}): "
                f"{first['explanation']}\n{describe(history)}"
            )
    if findings:
        _reproduces(findings[0], history)
    same = _report(history.identical().write(tmp / "same"), examples, seed, history, twice=False)
    if same["findings"]:
        first = same["findings"][0]
        raise Broken(
            f"identical versions gave {first['kind']} at {first['path']} "
            f"({first['encoding']}): {first['explanation']}\n{describe(history)}"
        )
    return len(findings)


def _reproduces(finding: dict[str, Any], history: History) -> None:
    args = shlex.split(finding["reproduce"])[2:] + ["--report", "json", "--fail-on", "never"]
    code, out, err = _fuzz(args)
    if code != 0:
        raise Broken(f"reproduce command failed (exit {code}): {err}\n{describe(history)}")
    keys = ("kind", "writer", "reader", "encoding", "path", "written", "read", "example")
    wanted = {k: finding[k] for k in keys}
    found = [{k: f[k] for k in keys} for f in json.loads(out)["findings"]]
    if wanted not in found:
        raise Broken(
            f"reproduce command did not reproduce {finding['kind']} at {finding['path']}\n"
            f"{finding['reproduce']}\n{describe(history)}"
        )
