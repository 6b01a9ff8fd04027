"""Relays: a gateway on an old version between a new writer and a new reader."""

from __future__ import annotations

from schemafuzz._internal.catalog import Severity
from tests.conftest import FIXTURES, fuzz_fixture

RELAY = FIXTURES / "relay"


def relay_keys(report) -> set[tuple[str | None, str, str, str, str]]:  # type: ignore[no-untyped-def]
    return {
        (f.via, f.writer, f.reader, f.encoding, f.path)
        for f in report.findings
        if f.kind == "relay-loss"
    }


def test_binary_relay_keeps_unknown_fields_and_json_relay_drops_them() -> None:
    report = fuzz_fixture(RELAY / "proto")
    assert relay_keys(report) == {
        ("v1", "v2", "v3", "proto-json", "humidity"),
        ("v1", "v3", "v2", "proto-json", "humidity"),
    }
    finding = next(f for f in report.findings if f.kind == "relay-loss" and f.writer == "v2")
    assert finding.severity == Severity.ERROR
    assert finding.read == 0 and finding.written != 0
    assert "relay on v1" in finding.explanation
    assert "--relay v1" in finding.reproduce
    assert finding.to_json()["via"] == "v1"


def test_avro_relay_drops_what_the_gateway_does_not_declare_in_both_encodings() -> None:
    report = fuzz_fixture(RELAY / "avro")
    assert relay_keys(report) == {
        ("v1", writer, reader, encoding, "humidity")
        for writer, reader in (("v2", "v3"), ("v3", "v2"))
        for encoding in ("avro-binary", "avro-json")
    }


def test_relay_option_on_the_command_line() -> None:
    import json

    from typer.testing import CliRunner

    from schemafuzz._internal.cli import app

    family = str(FIXTURES / "proto" / "field-removed")
    result = CliRunner().invoke(app, ["fuzz", family, "--relay", "v2", "--report", "json"])
    assert result.exit_code == 0  # field-unknown is info; no reader besides the relay itself
    bad = CliRunner().invoke(app, ["fuzz", family, "--relay", "v9"])
    assert bad.exit_code == 2 and "unknown relay version v9" in bad.output
    report = json.loads(result.output)
    assert report["pairs"]
