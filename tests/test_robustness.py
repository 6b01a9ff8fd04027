"""Robustness: Ctrl-C keeps what was found, no network access, no code from schemas."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemafuzz._internal.cli import app
from tests.conftest import ROOT

runner = CliRunner()


def test_ctrl_c_reports_the_findings_so_far_and_writes_whole_files(tmp_path: Path) -> None:
    output = tmp_path / "report.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "schemafuzz", "fuzz", str(ROOT / "schemas" / "meter"),
         "--examples", "400", "--report", "json", "--output", str(output), "--jobs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A shell runs background jobs with SIGINT ignored, and children inherit that (Python
        # then never raises KeyboardInterrupt): give the run the default, as a terminal does.
        preexec_fn=_default_sigint,
    )  # fmt: skip
    # Ctrl-C once the run is under way: its worker processes exist (a fixed sleep would land in
    # the loading on a busy machine). Then a moment for some runs to finish.
    deadline = time.monotonic() + 120
    while not _children(process.pid) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "INTERRUPTED" in out
    assert "Traceback" not in err
    report = json.loads(output.read_text())  # whole, valid JSON: written atomically
    assert report["interrupted"] >= 1
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary leftovers


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _children(pid: int) -> list[str]:
    task = Path(f"/proc/{pid}/task/{pid}/children")
    return task.read_text().split() if task.exists() else []


def test_ctrl_c_before_a_run_started_is_exit_130_too(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("schemafuzz._internal.family.load_family", interrupted)
    result = runner.invoke(app, ["fuzz", str(ROOT / "schemas" / "meter")])
    assert result.exit_code == 130
    assert result.stderr == "schemafuzz: interrupted\n"


def test_no_code_path_touches_the_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every example family, and a JSON Schema with a remote $ref, with the network gone."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for family in sorted((ROOT / "schemas").iterdir()):
        if family.is_dir():
            result = runner.invoke(app, ["fuzz", str(family), "--examples", "3", "--jobs", "1",
                                         "--fail-on", "never"])  # fmt: skip
            assert result.exit_code == 0, result.output
    remote = tmp_path / "remote"
    for version in ("v1", "v2"):
        (remote / version).mkdir(parents=True)
        (remote / version / "s.json").write_text(
            json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema",
                        "type": "object",
                        "properties": {"a": {"$ref": "https://example.com/a.json"}}})
        )  # fmt: skip
    result = runner.invoke(app, ["fuzz", str(remote), "--examples", "3"])
    assert result.exit_code == 2
    assert "https://example.com/a.json" in result.output


def test_no_generated_python_module_is_imported() -> None:
    """Schemas are compiled to descriptors in memory; no *_pb2 module is ever written or run."""
    code = (
        "import sys, schemafuzz\n"
        "f = schemafuzz.load_family('schemas/thermostat')\n"
        "schemafuzz.fuzz(f, examples=3)\n"
        "assert not [m for m in sys.modules if m.endswith('_pb2') and 'google' not in m]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_resource_bounds_are_configurable_and_reported() -> None:
    recursive = ROOT / "tests" / "bad_inputs" / "proto2-optional-recursion" / "family"
    result = runner.invoke(
        app, ["fuzz", str(recursive), "--examples", "5", "--max-depth", "2", "--jobs", "1"]
    )
    assert result.exit_code in (0, 1), result.output
    assert "note: v1: nested messages generated 2 levels deep (--max-depth)" in result.output
    thermostat = ROOT / "schemas" / "thermostat"
    result = runner.invoke(
        app,
        ["fuzz", str(thermostat), "--examples", "10", "--max-message-bytes", "40", "--jobs", "1",
         "--fail-on", "never", "--writer", "v2", "--encoding", "proto-json"],
    )  # fmt: skip
    assert "over --max-message-bytes 40" in result.output
    sign = ROOT / "tests" / "fixtures" / "proto" / "int32-to-uint32"
    result = runner.invoke(
        app, ["fuzz", str(sign), "--examples", "10", "--max-message-bytes", "1000", "--jobs", "1"]
    )
    reproduce = [line for line in result.output.splitlines() if "reproduce:" in line]
    assert reproduce and all("--max-message-bytes 1000" in line for line in reproduce)
    result = runner.invoke(app, ["fuzz", str(thermostat), "--max-sequence", "0"])
    assert result.exit_code == 2
    assert "--max-sequence must be at least 1, not 0" in result.output


def test_a_corpus_symlink_cannot_read_outside_the_corpus(tmp_path: Path) -> None:
    family = ROOT / "tests" / "fixtures" / "proto" / "int32-to-uint32"
    corpus = tmp_path / "corpus" / "v1"
    corpus.mkdir(parents=True)
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"\x08\x01")
    (corpus / "leak.bin").symlink_to(secret)
    result = runner.invoke(app, ["replay", str(family), str(tmp_path / "corpus")])
    assert result.exit_code == 2
    assert "a symbolic link that leads outside the corpus" in result.output


def _nesting(value: object, key: str) -> int:
    """How many times `key` nests in `value` (dicts and lists walked)."""
    if isinstance(value, dict):
        inner = [_nesting(v, key) + (k == key and v not in (None, [], {}))
                 for k, v in value.items()]  # fmt: skip
        return max(inner, default=0)
    if isinstance(value, list):
        return max((_nesting(v, key) for v in value), default=0)
    return 0


def _deepest(codec: object, max_depth: int | None, key: str) -> int:
    from schemafuzz._internal.engine import Drawer

    drawer = Drawer(codec.strategy(max_depth), seed=0)  # type: ignore[attr-defined]
    return max(_nesting(drawn[0], key) for _ in range(300) if (drawn := drawer.draw()))


@pytest.mark.parametrize(
    ("schema", "name", "key", "cut"),
    [
        (
            {"type": "record", "name": "Node", "fields": [
                {"name": "value", "type": "int"},
                {"name": "next", "type": ["null", "Node"]}]},
            "node.avsc", "next", "Node",
        ),
        (
            {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
             "properties": {"value": {"type": "integer"}, "next": {"$ref": "#"}}},
            "node.json", "next", "property 'next', property 'value'",
        ),
    ],
    ids=["avro", "jsonschema"],
)  # fmt: skip
def test_max_depth_bounds_avro_and_json_schema_and_is_reported(
    tmp_path: Path, schema: dict[str, object], name: str, key: str, cut: str
) -> None:
    from schemafuzz._internal.family import load_family

    for version in ("v1", "v2"):
        (tmp_path / version).mkdir()
        (tmp_path / version / name).write_text(json.dumps(schema))
    codec = load_family(tmp_path).versions[0].codec
    assert _deepest(codec, 1, key) == 1  # the bound is reached, and not passed
    assert _deepest(codec, 5, key) == 5
    assert _deepest(codec, None, key) == codec.default_depth  # the format's own default
    args = ["fuzz", str(tmp_path), "--examples", "5", "--max-depth", "1", "--jobs", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note: v1:")]
    assert notes == [f"note: v1: nested messages generated 1 level deep (--max-depth); "
                     f"not below that: {cut}"], result.output  # fmt: skip
    result = runner.invoke(app, ["fuzz", str(tmp_path), "--max-depth", "0"])
    assert result.exit_code == 2
    assert "--max-depth must be at least 1, not 0" in result.output
