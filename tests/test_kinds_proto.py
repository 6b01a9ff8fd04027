"""Every finding kind of the protobuf oracle, each on its own fixture pair, asserted exactly:
kind, writer, reader, encoding and path (and the values where they are the point)."""

from __future__ import annotations

from schemafuzz._internal.catalog import Severity
from tests.conftest import PROTO, fuzz_fixture, keys, only

BIN = "proto-binary"
JSON = "proto-json"


def test_int32_to_uint32_flips_sign_both_directions() -> None:
    report = fuzz_fixture(PROTO / "int32-to-uint32")
    assert keys(report) == {
        ("value-changed", "v1", "v2", BIN, "temp"),
        ("value-changed", "v2", "v1", BIN, "temp"),
    }
    forward = only(report, "value-changed", "v1", "v2")
    assert (forward.written, forward.read) == (-1, 4294967295)
    assert forward.example == {"temp": -1}
    assert "int32 in v1 and uint32 in v2" in forward.explanation
    backward = only(report, "value-changed", "v2", "v1")
    assert (backward.written, backward.read) == (2147483648, -2147483648)


def test_widened_integer_read_by_narrow_reader_truncates() -> None:
    report = fuzz_fixture(PROTO / "int64-to-int32")
    assert keys(report) == {("value-changed", "v1", "v2", BIN, "uptime")}
    finding = only(report, "value-changed", "v1", "v2")
    assert (finding.written, finding.read) == (2147483648, -2147483648)


def test_nested_sign_flip_reports_list_path() -> None:
    report = fuzz_fixture(PROTO / "nested-sign-flip")
    assert keys(report) == {
        ("value-changed", "v1", "v2", BIN, "samples[i].delta"),
        ("value-changed", "v2", "v1", BIN, "samples[i].delta"),
    }
    finding = only(report, "value-changed", "v1", "v2")
    assert (finding.written, finding.read) == (1, 2)  # sint32 zigzag read as int32


def test_wire_type_change_drops_field() -> None:
    report = fuzz_fixture(PROTO / "wire-type-change")
    assert keys(report) == {
        ("field-dropped", "v1", "v2", BIN, "humidity"),
        ("field-dropped", "v2", "v1", BIN, "humidity"),
    }


def test_packed_list_read_as_singular_is_dropped() -> None:
    report = fuzz_fixture(PROTO / "packed-to-singular")
    assert ("field-dropped", "v1", "v2", BIN, "samples") in keys(report)


def test_unpacked_list_read_as_singular_keeps_last_element() -> None:
    report = fuzz_fixture(PROTO / "unpacked-to-singular")
    assert ("value-changed", "v1", "v2", BIN, "samples") in keys(report)
    finding = only(report, "value-changed", "v1", "v2")
    assert isinstance(finding.written, list) and len(finding.written) >= 2
    assert finding.read == finding.written[-1]


def test_removed_field_is_unknown_info() -> None:
    report = fuzz_fixture(PROTO / "field-removed")
    assert keys(report) == {("field-unknown", "v1", "v2", BIN, "battery")}
    assert only(report, "field-unknown", "v1", "v2").severity == Severity.INFO


def test_reused_number_is_field_reused_both_directions() -> None:
    report = fuzz_fixture(PROTO / "number-reused")
    errors = keys(report, Severity.WARNING)
    assert errors == {
        ("field-reused", "v1", "v3", BIN, "battery_v"),
        ("field-reused", "v3", "v1", BIN, "firmware"),
    }
    finding = only(report, "field-reused", "v1", "v3")
    assert "version v2 has no field 3" in finding.explanation


def test_reader_default_is_injected() -> None:
    report = fuzz_fixture(PROTO / "reader-default")
    assert ("default-injected", "v1", "v2", BIN, "interval_s") in keys(report)
    finding = only(report, "default-injected", "v1", "v2")
    assert finding.read == 60 and finding.severity == Severity.INFO


def test_changed_proto2_default_is_value_changed() -> None:
    report = fuzz_fixture(PROTO / "default-changed")
    assert keys(report) == {
        ("value-changed", "v1", "v2", BIN, "interval_s"),
        ("value-changed", "v2", "v1", BIN, "interval_s"),
    }
    assert (only(report, "value-changed", "v1", "v2").read) == 30


def test_open_enum_value_unknown_to_old_reader_is_a_warning() -> None:
    report = fuzz_fixture(PROTO / "enum-grown")
    assert keys(report) == {("enum-unknown", "v2", "v1", BIN, "mode")}
    finding = only(report, "enum-unknown", "v2", "v1")
    assert finding.severity == Severity.WARNING
    assert (finding.written, finding.read) == ("FAULT", 2)  # kept as a number


def test_closed_enum_value_in_unknown_fields_is_an_error() -> None:
    report = fuzz_fixture(PROTO / "closed-enum-grown")
    assert keys(report) == {("enum-unknown", "v2", "v1", BIN, "mode")}
    assert only(report, "enum-unknown", "v2", "v1").severity == Severity.ERROR


def test_renumbered_enum_value_reads_as_another_value() -> None:
    report = fuzz_fixture(PROTO / "enum-renumbered")
    assert keys(report) == {
        ("value-changed", "v1", "v2", BIN, "mode"),
        ("value-changed", "v2", "v1", BIN, "mode"),
    }
    finding = only(report, "value-changed", "v1", "v2")
    assert (finding.written, finding.read) == ("HEAT", "COOL")
    assert "HEAT is 1 in v1 and 2 in v2" in finding.explanation


def test_removed_optional_loses_presence() -> None:
    report = fuzz_fixture(PROTO / "optional-removed")
    assert keys(report) == {("presence-lost", "v1", "v2", BIN, "target")}
    finding = only(report, "presence-lost", "v1", "v2")
    assert (finding.written, finding.read, finding.example) == (0, 0, {"target": 0})


def test_invalid_utf8_bytes_read_as_string_is_decode_error() -> None:
    report = fuzz_fixture(PROTO / "bytes-to-string")
    assert keys(report) == {("decode-error", "v1", "v2", BIN, "")}
    assert "UTF-8" in only(report, "decode-error", "v1", "v2").read


def test_rejecting_json_reader_turns_added_field_into_decode_error() -> None:
    report = fuzz_fixture(PROTO / "json-field-added")
    assert keys(report) == {("decode-error", "v2", "v1", JSON, "humidity")}


def test_renamed_key_is_dropped_by_ignoring_json_reader() -> None:
    report = fuzz_fixture(PROTO / "json-rename-ignore")
    assert keys(report) == {
        ("field-dropped", "v1", "v2", JSON, "temp"),
        ("field-dropped", "v2", "v1", JSON, "temperature"),
    }


def test_swapped_numbers_are_matched_by_name() -> None:
    report = fuzz_fixture(PROTO / "numbers-swapped")
    assert keys(report) == {
        ("value-changed", w, r, BIN, path)
        for w, r in (("v1", "v2"), ("v2", "v1"))
        for path in ("low", "high")
    }
    finding = next(f for f in report.findings if (f.writer, f.path) == ("v1", "low"))
    assert "number 1 in v1 and 2 in v2" in finding.explanation


def test_every_warning_and_error_is_shrunk_with_reproduce_command() -> None:
    report = fuzz_fixture(PROTO / "int32-to-uint32")
    for finding in report.findings:
        assert finding.shrunk
        assert finding.reproduce.startswith("schemafuzz fuzz ")
        assert f"--writer {finding.writer} --reader {finding.reader}" in finding.reproduce
        assert finding.encoded
