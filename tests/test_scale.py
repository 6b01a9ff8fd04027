"""Sharding: `fuzz --shard I/N` runs merged by `schemafuzz merge` equal the unsharded run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemafuzz._internal.cli import app
from tests.conftest import FIXTURES, ROOT

runner = CliRunner()


def fuzz_json(family: Path, out: Path, *args: str) -> None:
    result = runner.invoke(
        app,
        ["fuzz", str(family), "--examples", "15", "--fail-on", "never", "--jobs", "1",
         "--report", "json", "--output", str(out), *args],
    )  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("family", "shards"),
    [
        (ROOT / "schemas" / "charger", 2),  # state, relay, one encoding
        (FIXTURES / "avro" / "long-to-float", 3),  # more shards than some writers have runs
        (FIXTURES / "jsonschema" / "enum-grown", 4),
        (ROOT / "tests" / "bad_inputs" / "jsonschema-recursive-ref" / "family", 2),  # notes
    ],
    ids=["charger", "avro", "jsonschema", "notes"],
)
def test_merged_shards_equal_the_unsharded_run(family: Path, shards: int, tmp_path: Path) -> None:
    fuzz_json(family, tmp_path / "full.json")
    parts = []
    for index in range(1, shards + 1):
        part = tmp_path / f"shard{index}.json"
        fuzz_json(family, part, "--shard", f"{index}/{shards}")
        parts.append(str(part))
    merged = tmp_path / "merged.json"
    result = runner.invoke(
        app,
        ["merge", *reversed(parts), "--report", "json", "--output", str(merged),
         "--fail-on", "never"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert merged.read_bytes() == (tmp_path / "full.json").read_bytes()
    notes = json.loads(merged.read_text()).get("notes", [])
    assert bool(notes) == ("recursive" in family.parent.name), notes  # a bound hit is reported


def test_merge_other_formats_and_exit_code(tmp_path: Path) -> None:
    family = FIXTURES / "proto" / "int32-to-uint32"
    for index in (1, 2):
        fuzz_json(family, tmp_path / f"s{index}.json", "--shard", f"{index}/2")
    result = runner.invoke(
        app,
        ["merge", str(tmp_path / "s1.json"), str(tmp_path / "s2.json"),
         "--report", "sarif", "--output", str(tmp_path / "m.sarif"), "--report", "text"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "value-changed" in result.stdout
    assert (tmp_path / "m.sarif").is_file()


@pytest.mark.parametrize(
    ("shard", "message"),
    [("3/2", "--shard 3/2: I must be between 1 and N"), ("x", "--shard x: expected I/N")],
)
def test_bad_shard_is_exit_2(shard: str, message: str) -> None:
    result = runner.invoke(
        app, ["fuzz", str(FIXTURES / "proto" / "int32-to-uint32"), "--shard", shard]
    )
    assert result.exit_code == 2
    assert message in result.output


def test_merge_refuses_missing_duplicate_and_foreign_shards(tmp_path: Path) -> None:
    family = FIXTURES / "proto" / "int32-to-uint32"
    for index in (1, 2):
        fuzz_json(family, tmp_path / f"s{index}.json", "--shard", f"{index}/2")
    fuzz_json(FIXTURES / "proto" / "bytes-to-string", tmp_path / "other.json", "--shard", "2/2")
    (tmp_path / "junk.json").write_text("{not json")
    cases = [
        ([tmp_path / "s1.json"], "shards 2 of 2 are missing"),
        ([tmp_path / "s1.json", tmp_path / "s1.json"], "given twice"),
        ([tmp_path / "s1.json", tmp_path / "other.json"], "a report of another run"),
        ([tmp_path / "junk.json"], "not a JSON report"),
    ]
    for paths, message in cases:
        result = runner.invoke(app, ["merge", *map(str, paths)])
        assert result.exit_code == 2, (paths, result.output)
        assert message in result.output
