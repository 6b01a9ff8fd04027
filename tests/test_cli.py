"""The command line through typer's CliRunner: exit codes, report shapes, reproduce commands."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemafuzz._internal.catalog import KINDS
from schemafuzz._internal.cli import app
from tests.conftest import PROTO, ROOT, write_family

runner = CliRunner()
SIGN = str(PROTO / "int32-to-uint32")
FINDING_KEYS = {
    "family", "kind", "severity", "writer", "reader", "encoding", "path",
    "written", "read", "example", "encoded", "explanation", "reproduce",
}  # fmt: skip


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args])
    return result.exit_code, result.output


def fuzz_json(*args: str) -> tuple[int, dict]:
    code, out = invoke("fuzz", *args, "--report", "json", "--jobs", "1")
    return code, json.loads(out)


def test_findings_exit_1_and_json_has_the_documented_shape() -> None:
    code, report = fuzz_json(SIGN, "--examples", "40")
    assert code == 1
    assert set(report) >= {"findings", "pairs", "versions", "seed"}
    assert report["versions"] == ["v1", "v2"]
    assert {tuple(sorted(p)) for p in report["pairs"]} == {
        ("encoding", "examples", "findings", "reader", "writer")
    }
    finding = report["findings"][0]
    assert set(finding) == FINDING_KEYS
    assert finding["kind"] == "value-changed" and finding["severity"] == "error"


def test_fail_on_never_exits_0_and_clean_family_exits_0() -> None:
    assert invoke("fuzz", SIGN, "--examples", "20", "--fail-on", "never", "--jobs", "1")[0] == 0
    clean = str(PROTO / "clean-renamed")
    assert invoke("fuzz", clean, "--examples", "20", "--jobs", "1")[0] == 0


def test_fail_on_warning_counts_warnings() -> None:
    optional = str(PROTO / "optional-removed")
    assert invoke("fuzz", optional, "--examples", "40", "--jobs", "1")[0] == 0
    code = invoke("fuzz", optional, "--examples", "40", "--jobs", "1", "--fail-on", "warning")[0]
    assert code == 1


def test_same_seed_gives_byte_identical_json_also_across_jobs() -> None:
    family = str(PROTO / "number-reused")
    args = ["fuzz", family, "--examples", "40", "--report", "json", "--show-info"]
    first = runner.invoke(app, [*args, "--jobs", "1"]).output
    second = runner.invoke(app, [*args, "--jobs", "2"]).output
    third = runner.invoke(app, [*args, "--jobs", "1"]).output
    assert first == second == third
    assert json.loads(first)["findings"]


def test_seed_changes_the_examples() -> None:
    family = str(PROTO / "field-removed")  # info findings keep their first raw example
    _, zero = fuzz_json(family, "--examples", "20")
    _, one = fuzz_json(family, "--examples", "20", "--seed", "1")
    assert zero["seed"] == 0 and one["seed"] == 1
    assert [f["example"] for f in zero["findings"]] != [f["example"] for f in one["findings"]]


def test_every_printed_reproduce_command_reproduces_its_finding() -> None:
    _, report = fuzz_json(str(PROTO / "number-reused"), "--examples", "40")
    for finding in report["findings"]:
        args = shlex.split(finding["reproduce"])
        assert args[:2] == ["schemafuzz", "fuzz"]
        code, again = fuzz_json(*args[2:])
        assert code in (0, 1)
        found = {
            (f["kind"], f["writer"], f["reader"], f["encoding"], f["path"])
            for f in again["findings"]
        }
        key = tuple(finding[k] for k in ("kind", "writer", "reader", "encoding", "path"))
        assert key in found


def test_candidate_runs_both_directions_only_against_the_candidate(tmp_path: Path) -> None:
    candidate = tmp_path / "new"
    (candidate).mkdir()
    (candidate / "reading.proto").write_text(
        (PROTO / "int32-to-uint32" / "v2" / "reading.proto").read_text()
    )
    code, report = fuzz_json(
        str(PROTO / "int32-to-uint32"), "--candidate", str(candidate), "--examples", "30"
    )
    assert code == 1
    pairs = {(p["writer"], p["reader"]) for p in report["pairs"]}
    assert pairs == {("v1", "candidate"), ("v2", "candidate"), ("candidate", "v1"),
                     ("candidate", "v2")}  # fmt: skip
    kinds = {(f["kind"], f["writer"], f["reader"], f["path"]) for f in report["findings"]}
    assert kinds == {
        ("value-changed", "v1", "candidate", "temp"),
        ("value-changed", "candidate", "v1", "temp"),
    }
    assert all("--candidate" in f["reproduce"] for f in report["findings"])


def test_text_report_shows_matrix_findings_and_example() -> None:
    code, out = invoke("fuzz", SIGN, "--examples", "40", "--jobs", "1")
    assert code == 1
    assert "writer \\ reader" in out
    assert "value-changed" in out
    assert "wrote -1, read 4294967295" in out
    assert 'example: {"temp": -1}' in out
    assert "reproduce: schemafuzz fuzz" in out


def test_output_file_is_written(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    code, out = invoke(
        "fuzz", SIGN, "--examples", "20", "--jobs", "1", "--report", "json", "--output",
        str(target),
    )  # fmt: skip
    assert code == 1
    assert "reports written to" in out
    assert json.loads(target.read_text())["findings"]
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fuzz", "no/such/family"], "not a directory"),
        (["fuzz", SIGN, "--report", "xml"], "--report must be one of text, json"),
        (["fuzz", SIGN, "--fail-on", "sometimes"], "--fail-on must be one of"),
        (["fuzz", SIGN, "--writer", "v9"], "unknown writer version v9"),
        (["fuzz", SIGN, "--encoding", "proto-json"], "unknown encoding proto-json"),
        (["fuzz", SIGN, "--root", "Nope"], "root message 'Nope' not found"),
    ],
)
def test_input_errors_exit_2_in_one_line_without_traceback(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2


def test_broken_schema_names_file_and_line(tmp_path: Path) -> None:
    family = write_family(
        tmp_path / "f",
        {"v1": {"r.proto": 'syntax = "proto3";\nmessage R {\n  int32 a = 1\n}\n'}},
    )
    result = runner.invoke(app, ["fuzz", str(family)])
    assert result.exit_code == 2
    assert "r.proto:4:1: Expected" in result.output


def test_debug_shows_the_traceback() -> None:
    result = runner.invoke(app, ["fuzz", "no/such/family", "--debug"])
    assert result.exit_code != 0
    assert result.exception is not None


def test_kinds_lists_the_catalog() -> None:
    code, out = invoke("kinds")
    assert code == 0
    for kind in KINDS:
        assert kind.id in out


def test_versions_shows_what_the_loader_saw() -> None:
    code, out = invoke("versions", str(ROOT / "schemas" / "thermostat"))
    assert code == 0
    assert "thermostat.Telemetry" in out
    assert "v7" in out and "setpoint_offset" in out


def test_docs_kinds_is_generated_from_the_catalog() -> None:
    from schemafuzz._internal.catalog import catalog_markdown

    assert (ROOT / "docs" / "kinds.md").read_text(encoding="utf-8") == catalog_markdown()


def test_database_remembers_findings_a_smaller_rerun_would_miss(tmp_path: Path) -> None:
    database = tmp_path / "db"
    family = str(PROTO / "int32-to-uint32")
    _, first = fuzz_json(family, "--examples", "40", "--database", str(database))
    assert first["findings"] and (database / "schemafuzz-known.json").is_file()
    # One example (the simplest, all zero) shows nothing by itself; the database brings the
    # known sign flips back, with their stored minimal examples.
    _, plain = fuzz_json(family, "--examples", "1")
    assert plain["findings"] == []
    _, again = fuzz_json(family, "--examples", "1", "--database", str(database))
    assert {(f["kind"], f["writer"], f["reader"], f["path"], json.dumps(f["example"]))
            for f in again["findings"]} == {
        (f["kind"], f["writer"], f["reader"], f["path"], json.dumps(f["example"]))
        for f in first["findings"]
    }  # fmt: skip


def test_corrupt_database_index_is_an_input_error(tmp_path: Path) -> None:
    database = tmp_path / "db"
    database.mkdir()
    (database / "schemafuzz-known.json").write_text("{not json")
    result = runner.invoke(app, ["fuzz", SIGN, "--examples", "5", "--database", str(database)])
    assert result.exit_code == 2
    assert "not a schemafuzz database index" in result.output
