"""Corpora: replaying captured messages, unreadable files, and fuzz --save-corpus -> replay."""

from __future__ import annotations

import importlib.util
import json
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemafuzz._internal.catalog import Finding, Severity
from schemafuzz._internal.cli import app
from schemafuzz._internal.corpus import EXTENSIONS, entry_name, read_corpus, slug
from schemafuzz._internal.family import load_family
from schemafuzz._internal.formats import format_module
from schemafuzz._internal.replay import ReplayOptions, ReplayReport, replay
from tests.conftest import FIXTURES, ROOT

runner = CliRunner()
THERMOSTAT = ROOT / "schemas" / "thermostat"
TRACKER = ROOT / "schemas" / "tracker"
CORPORA = ROOT / "corpora"
VERSIONS = ["v1", "v2", "v3", "v4", "v5", "v6", "v7"]
Key = tuple[str, str, str, str, str, str]


def found(report: ReplayReport, at_least: Severity = Severity.WARNING) -> set[Key]:
    """(kind, writer, reader, encoding, path, example file) of every finding at a severity."""
    return {
        (f.kind, f.writer, f.reader, f.encoding, f.path, f.example)
        for f in report.findings
        if f.severity >= at_least
    }


def json_found(report: dict) -> set[tuple[str, str, str, str, str]]:
    return {
        (f["kind"], f["writer"], f["reader"], f["encoding"], f["path"])
        for f in report["findings"]
        if f["severity"] != "info"
    }


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args])
    return result.exit_code, result.stdout, result.stderr


def after(version: str) -> list[str]:
    return VERSIONS[VERSIONS.index(version) + 1 :]


def before(version: str) -> list[str]:
    return VERSIONS[: VERSIONS.index(version)]


# Every warning and error the shipped thermostat corpus shows (corpora/README.md lists them).
BIN, JSON = "proto-binary", "proto-json"
V1, V2B, V2J = "v1/heating-21c5.bin", "v2/negative-trim.bin", "v2/negative-trim.json"
V5, V6, V7 = "v5/fault-zone2.bin", "v6/ota-update.bin", "v7/humidity-double.bin"
THERMOSTAT_FINDINGS: set[Key] = (
    # int32 -> uint32 in v3: a negative trim of -15 reads as 4294967281
    {("value-changed", "v2", r, BIN, "setpoint_offset", V2B) for r in after("v2")}
    # battery_v #7 removed in v4, its number reused by `string firmware` in v6
    | {
        ("field-reused", w, r, BIN, "battery_v", f)
        for w, f in (("v1", V1), ("v2", V2B))
        for r in ("v6", "v7")
    }  # fmt: skip
    | {
        ("field-reused", w, r, BIN, "firmware", f)
        for w, f in (("v6", V6), ("v7", V7))
        for r in ("v1", "v2", "v3")
    }  # fmt: skip
    # humidity_pct float -> double in v7: fixed32 and fixed64 do not meet
    | {
        ("field-dropped", w, "v7", BIN, "humidity_pct", f)
        for w, f in (("v2", V2B), ("v5", V5), ("v6", V6))
    }  # fmt: skip
    | {("field-dropped", "v7", r, BIN, "humidity_pct", V7) for r in ("v2", "v3", "v4", "v5", "v6")}
    # MODE_FAULT from a v5 device, unknown before v5
    | {("enum-unknown", "v5", r, BIN, "mode", V5) for r in before("v5")}
    # proto-json, unknown keys ignored (family.toml): v1 knows `temp`, not `temperatureC`;
    # from v3 on, a uint32 rejects -15
    | {("field-dropped", "v2", "v1", JSON, "temperature_c", V2J)}
    | {("decode-error", "v2", r, JSON, "setpoint_offset", V2J) for r in after("v2")}
)


def test_shipped_thermostat_corpus_shows_exactly_its_planted_hazards() -> None:
    report = replay(load_family(THERMOSTAT), CORPORA / "thermostat")
    assert report.unreadable == []
    assert report.files == 6
    assert found(report) == THERMOSTAT_FINDINGS
    negative = next(f for f in report.findings if (f.writer, f.reader) == ("v2", "v3"))
    assert (negative.written, negative.read) == (-15, 4294967281)
    assert negative.encoded == (CORPORA / "thermostat" / V2B).read_bytes().hex()
    # One pair per (writer, reader, encoding) of a writer with files; examples are files.
    pairs = {(p.writer, p.reader, p.encoding): p.examples for p in report.pairs}
    assert pairs[("v2", "v3", BIN)] == 1 and pairs[("v2", "v3", JSON)] == 1
    assert ("v3", "v1", BIN) not in pairs and ("v2", "v2", BIN) not in pairs
    assert len(pairs) == 6 * 6


def test_shipped_tracker_corpus_shows_idle_towed_and_the_renamed_odometer() -> None:
    report = replay(load_family(TRACKER), CORPORA / "tracker")
    assert report.unreadable == []
    keys = found(report)
    assert ("decode-error", "v2", "v1", "avro-binary", "", "v2/idle-depot.bin") in keys
    assert ("enum-unknown", "v5", "v4", "avro-binary", "status", "v5/towed-night.bin") in keys
    renamed = {(w, r) for k, w, r, _, p, _ in keys if (k, p) == ("default-injected", "distance_m")}
    assert renamed == {(w, r) for w in ("v1", "v2") for r in ("v4", "v5", "v6")}
    assert ("decode-error", "v4", "v1", "avro-json", "speed_kmh", "v4/battery-low.json") in keys


def test_shipped_corpora_are_what_make_examples_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_examples", CORPORA / "make_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for corpus, files in module.build().items():
        on_disk = {
            p.relative_to(CORPORA / corpus).as_posix(): p.read_bytes()
            for p in (CORPORA / corpus).rglob("*")
            if p.is_file()
        }
        assert on_disk == files


def test_replay_cli_text_report_and_exit_code() -> None:
    code, out, _ = invoke("replay", str(THERMOSTAT), str(CORPORA / "thermostat"))
    assert code == 1
    assert out.startswith("schemafuzz replay: family thermostat")
    assert "wrote -15, read 4294967281" in out
    assert f'example: "{V2B}"' in out
    assert "6 files replayed against 36 pairs: 29 errors, 4 warnings" in out
    never = invoke("replay", str(THERMOSTAT), str(CORPORA / "thermostat"), "--fail-on", "never")
    assert never[0] == 0


def test_every_kind_reproduces_with_its_replay_command() -> None:
    report = replay(load_family(THERMOSTAT), CORPORA / "thermostat")
    first = {f.kind: f for f in reversed(report.findings) if f.severity > Severity.INFO}
    assert set(first) == {"value-changed", "field-reused", "field-dropped", "enum-unknown",
                          "decode-error"}  # fmt: skip
    for finding in first.values():
        args = shlex.split(finding.reproduce)
        assert args[:2] == ["schemafuzz", "replay"] and "--file" in args
        code, out, _ = invoke(*args[1:], "--report", "json", "--fail-on", "warning")
        again = json.loads(out)
        assert code == 1
        assert {(f["reader"], f["example"]) for f in again["findings"]} == {
            (finding.reader, finding.example)
        }
        key = (finding.kind, finding.writer, finding.reader, finding.encoding, finding.path)
        assert key in json_found(again)


def _corrupt_corpus(tmp_path: Path) -> Path:
    """The shipped corpus plus one file of every way a corpus file goes bad."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPORA / "thermostat", corpus)
    good = (corpus / V2B).read_bytes()
    varint = good.index(bytes([0x30, 0xF1]))  # field 6 (setpoint_offset), then its varint
    (corpus / "v2" / "truncated.bin").write_bytes(good[: varint + 4])
    (corpus / "v2" / "garbage.json").write_text("temperature=21.5\n")
    (corpus / "v9").mkdir()
    (corpus / "v9" / "orphan.bin").write_bytes(good)
    (corpus / "v1" / "notes.txt").write_text("captured on site\n")
    (corpus / "v1" / "from-v2.json").write_bytes((corpus / V2J).read_bytes())
    (corpus / "stray.bin").write_bytes(good)
    (corpus / "v1" / ".from-v2.json.tmp").write_bytes(b"\xff")  # a leftover temp file: ignored
    (corpus / "README.md").write_text("# captured at the lab\n")  # not a message
    return corpus


UNREADABLE = {
    "stray.bin": "not inside a version folder",
    "v1/from-v2.json": 'not a proto-json message of v1: ParseError: Message type "thermostat.'
    'Telemetry" has no field named "humidityPct"',
    "v1/notes.txt": "unknown extension '.txt' (expected .bin (proto-binary) or .json (proto-json))",
    "v2/garbage.json": "not a proto-json message of v2: ParseError: Failed to load JSON",
    "v2/truncated.bin": "not a proto-binary message of v2: DecodeError: Error parsing message",
    "v9/orphan.bin": "folder 'v9' names no version of thermostat (versions: v1, v2, v3, v4, v5, "
    "v6, v7)",
}


def test_corrupt_files_are_listed_and_the_good_ones_still_replayed(tmp_path: Path) -> None:
    corpus = _corrupt_corpus(tmp_path)
    code, out, err = invoke("replay", str(THERMOSTAT), str(corpus), "--report", "json")
    assert code == 2
    assert "6 corpus files could not be replayed" in err
    report = json.loads(out)
    reasons = {u["file"]: u["reason"] for u in report["unreadable"]}
    assert set(reasons) == set(UNREADABLE)
    for name, reason in UNREADABLE.items():
        assert reasons[name].startswith(reason), reasons[name]
        assert "\n" not in reasons[name]
    assert report["files"] == 6
    assert json_found(report) == {k[:5] for k in THERMOSTAT_FINDINGS}


def test_corrupt_files_in_the_text_report_and_output_file(tmp_path: Path) -> None:
    corpus = _corrupt_corpus(tmp_path)
    code, out, _ = invoke("replay", str(THERMOSTAT), str(corpus))
    assert code == 2
    assert "unreadable corpus files (6)" in out
    assert "  v9/orphan.bin: folder 'v9' names no version of thermostat" in out
    assert "wrote -15, read 4294967281" in out
    target = tmp_path / "report.json"
    code, out, _ = invoke("replay", str(THERMOSTAT), str(corpus), "--report", "json", "--output",
                          str(target), "--fail-on", "never")  # fmt: skip
    assert code == 2  # an unreadable file is an input error whatever --fail-on says
    assert "6 unreadable" in out and "report written to" in out
    assert len(json.loads(target.read_text())["unreadable"]) == 6


@pytest.mark.parametrize(
    "fixture", ["proto/int32-to-uint32", "avro/long-to-float", "jsonschema/maximum-lowered"]
)
def test_save_corpus_then_replay_finds_the_same_findings(tmp_path: Path, fixture: str) -> None:
    family, saved = str(FIXTURES / fixture), tmp_path / "saved"
    fuzz = ["fuzz", family, "--examples", "40", "--jobs", "1", "--report", "json"]
    code, out, err = invoke(*fuzz, "--save-corpus", str(saved))
    assert code == 1
    fuzzed = json_found(json.loads(out))
    assert fuzzed and "saved" in err
    code, out, _ = invoke("replay", family, str(saved), "--report", "json")
    assert code == 1
    replayed = json.loads(out)
    assert replayed["unreadable"] == []
    assert json_found(replayed) == fuzzed
    files = sorted(p.relative_to(saved).as_posix() for p in saved.rglob("*") if p.is_file())
    assert all(not Path(name).name.startswith(".") for name in files)  # no temp file left
    # Saving again into the same folder adds nothing: the bytes are already there.
    assert invoke(*fuzz, "--save-corpus", str(saved))[0] == 1
    assert sorted(p.relative_to(saved).as_posix() for p in saved.rglob("*") if p.is_file()) == files


def test_candidate_findings_are_not_saved(tmp_path: Path) -> None:
    family = FIXTURES / "proto" / "int32-to-uint32"
    code, _, err = invoke("fuzz", str(family), "--candidate", str(family / "v2"), "--examples",
                          "30", "--jobs", "1", "--save-corpus", str(tmp_path))  # fmt: skip
    assert code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1"]  # v1 -> candidate only
    assert "findings not saved: the writer 'candidate' is no version of the family" in err


def test_saved_entry_names_say_kind_reader_path_and_hash(tmp_path: Path) -> None:
    code, _, _ = invoke("fuzz", str(FIXTURES / "proto" / "int32-to-uint32"), "--examples", "40",
                        "--jobs", "1", "--save-corpus", str(tmp_path))  # fmt: skip
    assert code == 1
    names = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.bin"))
    assert [n.rsplit("-", 1)[0] for n in names] == [
        "v1/value-changed-v2-temp",
        "v2/value-changed-v1-temp",
    ]


def test_entry_name_and_slug() -> None:
    finding = Finding("f", "value-changed", Severity.ERROR, "v1", "v2", "proto-json",
                      "samples[i].delta", 1, 2, {}, "00", "", "")  # fmt: skip
    assert slug("samples[i].delta") == "samples-i-delta" and slug("") == "message"
    name = entry_name(finding, b"\x00")
    assert name.startswith("value-changed-v2-samples-i-delta-") and name.endswith(".json")


def test_every_encoding_of_every_format_has_a_corpus_extension() -> None:
    for name in ("proto", "avro", "jsonschema"):
        for encoding in format_module(name).ENCODINGS:
            assert EXTENSIONS[encoding.name] in (".bin", ".json", ".cbor")


def test_file_filter_accepts_a_path_into_the_corpus() -> None:
    family = load_family(THERMOSTAT)
    corpus = CORPORA / "thermostat"
    by_name = read_corpus(family, corpus, [V5])
    by_path = read_corpus(family, corpus, [str(corpus / V5)])
    assert [e.name for e in by_name.entries] == [e.name for e in by_path.entries] == [V5]
    report = replay(family, corpus, ReplayOptions(files=[V5], readers=["v4"]))
    assert found(report) == {("enum-unknown", "v5", "v4", BIN, "mode", V5)}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no/such/corpus"], "no/such/corpus: not a directory"),
        ([str(CORPORA / "thermostat"), "--file", "v2/nope.bin"], "no corpus file v2/nope.bin"),
        ([str(CORPORA / "thermostat"), "--reader", "v9"], "unknown reader version v9"),
        ([str(CORPORA / "thermostat"), "--report", "xml"], "--report must be one of"),
    ],
)
def test_replay_input_errors_exit_2_in_one_line(args: list[str], message: str) -> None:
    code, out, err = invoke("replay", str(THERMOSTAT), *args)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and out == ""
