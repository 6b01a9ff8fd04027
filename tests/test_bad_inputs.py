"""The bad-input catalog (issue 8): every case in tests/bad_inputs/ through the real CLI.

Each case is a folder with its input files and a `case.toml` (see tests/bad_inputs/README.md):
an input error must give exactly one line `schemafuzz: error: …` on stderr and exit code 2,
never a traceback; a legal input (`exit = [0, 1]`) must run. Files that cannot be committed as
they are (binary bytes, symbolic links, empty folders, generated giants, git repositories) are
made by the builder the case names in `build`, in a copy of the case folder under tmp_path.
"""

from __future__ import annotations

import gzip
import os
import shutil
import socket
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from schemafuzz._internal.cli import app

CATALOG = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p.parent for p in CATALOG.glob("*/case.toml"))
KEYS = {"description", "build", "cwd", "args", "exit", "message", "stdout_contains"}
PREFIX = "schemafuzz: error: "

Builder = Callable[[Path], None]
BUILDERS: dict[str, Builder] = {}


def builder(function: Builder) -> Builder:
    BUILDERS[function.__name__] = function
    return function


def _write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")


@builder
def empty_version(case: Path) -> None:
    (case / "family" / "v2").mkdir(parents=True)


@builder
def latin1_comment(case: Path) -> None:
    text = (case / "family" / "v1" / "reading.proto").read_text(encoding="utf-8")
    commented = text.replace("int32 temp = 1;", "int32 temp = 1; // in °C")
    _write(case / "family" / "v2" / "reading.proto", commented.encode("latin-1"))


@builder
def binary_junk(case: Path) -> None:
    name = {"proto": "reading.proto", "avsc": "fix.avsc", "json": "reading.json"}
    junk = gzip.compress(b"not a schema at all", mtime=0)  # starts 1f 8b: 0x8b is no UTF-8
    _write(case / "family" / "v1" / name[case.name.rsplit("-", 1)[1]], junk)


def _proto(messages: str) -> str:
    return f'syntax = "proto3";\npackage t;\n\n{messages}'


@builder
def wide_message(case: Path) -> None:
    for version, changed in (("v1", "int32"), ("v2", "uint32")):
        fields = "".join(
            f"  {changed if i == 17 else 'int32'} f{i} = {i};\n" for i in range(1, 5001)
        )
        _write(case / "family" / version / "wide.proto", _proto(f"message Wide {{\n{fields}}}\n"))


@builder
def deep_chain(case: Path) -> None:
    for version, kind in (("v1", "int32"), ("v2", "uint32")):
        messages = "".join(
            f"message L{i} {{\n  L{i + 1} next = 1;\n  {kind} value = 2;\n}}\n\n" for i in range(99)
        )
        messages += f"message L99 {{\n  {kind} value = 2;\n}}\n"
        _write(case / "family" / version / "chain.proto", _proto(messages))


@builder
def deep_nested_definitions(case: Path) -> None:
    def level(i: int) -> str:
        pad = "  " * i
        inner = f"{level(i + 1)}{pad}  L{i + 1} next = 1;\n" if i < 99 else ""
        return f"{pad}message L{i} {{\n{inner}{pad}  int32 value = 2;\n{pad}}}\n"

    _write(case / "family" / "v1" / "reading.proto", _proto(level(0)))


@builder
def symlink_loop_file(case: Path) -> None:
    (case / "family" / "v2" / "loop.proto").symlink_to("loop.proto")


@builder
def symlink_loop_folder(case: Path) -> None:
    (case / "family" / "v3").symlink_to(".", target_is_directory=True)


@builder
def symlink_version_alias(case: Path) -> None:
    (case / "family" / "v3").symlink_to("v2", target_is_directory=True)


NEGATIVE_TEMP = bytes.fromhex("08ffffffffffffffffff01")  # temp = -1 (int32), proto-binary


@builder
def corpus_truncated_varint(case: Path) -> None:
    _write(case / "corpus" / "v1" / "negative.bin", NEGATIVE_TEMP)
    _write(case / "corpus" / "v1" / "truncated.bin", NEGATIVE_TEMP[:4])  # inside the varint


@builder
def corpus_wrong_encoding(case: Path) -> None:
    _write(case / "corpus" / "v1" / "binary.json", bytes.fromhex("0805"))  # temp = 5, binary
    _write(case / "corpus" / "v1" / "utf16.json", '{"temp": 5}'.encode("utf-16"))


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@builder
def git_repo(case: Path) -> None:
    """`repo/`: base/ committed on main, then change/ copied over the working tree."""
    repo = case / "repo"
    shutil.copytree(case / "base", repo)
    _git(repo, "init", "-q", "-b", "main")
    for key, value in (
        ("user.name", "schemafuzz tests"),
        ("user.email", "tests@schemafuzz.invalid"),
        ("commit.gpgsign", "false"),
    ):
        _git(repo, "config", key, value)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    shutil.copytree(case / "change", repo, dirs_exist_ok=True)


def _spec(case: Path) -> dict[str, Any]:
    return tomllib.loads((case / "case.toml").read_text(encoding="utf-8"))


def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("schemafuzz tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_the_catalog_is_well_formed() -> None:
    assert len(CASES) >= 30
    for case in CASES:
        spec = _spec(case)
        assert set(spec) <= KEYS, (case.name, set(spec) - KEYS)
        assert spec["description"] and spec["args"], case.name
        assert spec.get("build") is None or spec["build"] in BUILDERS, case.name
        if spec["exit"] == 2:
            assert spec["message"].startswith(PREFIX), case.name
            assert "\n" not in spec["message"], case.name
        else:
            assert set(spec["exit"]) <= {0, 1} and "message" not in spec, case.name
    assert set(BUILDERS) <= {_spec(c).get("build") for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec(case)
    work = tmp_path / case.name
    shutil.copytree(case, work, symlinks=True)
    if "build" in spec:
        BUILDERS[spec["build"]](work)
    monkeypatch.chdir(work / spec.get("cwd", "."))
    _no_network(monkeypatch)

    result = CliRunner().invoke(app, spec["args"])

    shown = f"exit {result.exit_code}\nstderr: {result.stderr}\nstdout: {result.stdout[-3000:]}"
    assert "Traceback" not in result.output, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    expected = spec["exit"]
    if expected == 2:
        assert result.exit_code == 2, shown
        message = spec["message"].replace("{case}", os.path.realpath(work))
        assert result.stderr.splitlines() == [message], shown
    else:
        assert result.exit_code in expected, shown
        assert PREFIX not in result.stderr and "internal error" not in result.stderr, shown
    for text in spec.get("stdout_contains", []):
        assert text in result.stdout, shown


def test_a_wide_message_example_stays_replayable(tmp_path: Path) -> None:
    """A 5,000-field message's examples stay within what Hypothesis replays, so its findings
    can be shrunk (one presence choice per field made them too long)."""
    from random import Random

    from schemafuzz._internal import engine
    from schemafuzz._internal.family import load_family

    wide_message(tmp_path)
    sampler = load_family(tmp_path / "family").versions[0].codec.sampler()
    for seed in range(10):
        value, choices = sampler.draw(Random(seed))
        assert engine.replay(sampler.strategy(), choices) is not None, seed
