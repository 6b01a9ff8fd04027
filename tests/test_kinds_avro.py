"""Every Avro finding kind on its own fixture pair, asserted exactly, in both encodings."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from schemafuzz._internal.catalog import Severity
from schemafuzz._internal.family import load_family
from tests.conftest import FIXTURES, ROOT, fuzz_fixture, keys

AVRO = FIXTURES / "avro"
ENCODINGS = ("avro-binary", "avro-json")


def both(kind: str, writer: str, reader: str, path: str) -> set[tuple[str, ...]]:
    return {(kind, writer, reader, encoding, path) for encoding in ENCODINGS}


def test_long_promoted_to_float_rounds_like_a_float32_reader() -> None:
    report = fuzz_fixture(AVRO / "long-to-float")
    assert both("value-changed", "v1", "v2", "count") <= keys(report)
    finding = only_in(report, "value-changed", "v1", "v2", "avro-binary")
    assert (finding.written, finding.read) == (16777217, 16777216.0)
    assert "long in v1 and float in v2" in finding.explanation
    # float -> long does not resolve: a decode error naming the field
    assert both("decode-error", "v2", "v1", "count") <= keys(report)


def test_long_promoted_to_double_loses_above_2_53() -> None:
    report = fuzz_fixture(AVRO / "long-to-double")
    finding = only_in(report, "value-changed", "v1", "v2", "avro-binary")
    assert finding.written > 2**53 and finding.read != finding.written


def test_decimal_read_with_the_readers_scale() -> None:
    report = fuzz_fixture(AVRO / "decimal-scale")
    assert both("value-changed", "v1", "v2", "price") | both(
        "value-changed", "v2", "v1", "price"
    ) == keys(report)
    finding = only_in(report, "value-changed", "v1", "v2", "avro-binary")
    assert (finding.written, finding.read) == ("0.01", "0.0001")


def test_timestamp_unit_change_is_value_changed() -> None:
    report = fuzz_fixture(AVRO / "timestamp-unit")
    assert both("value-changed", "v1", "v2", "at") <= keys(report)


def test_invalid_utf8_bytes_read_as_string_is_decode_error() -> None:
    report = fuzz_fixture(AVRO / "bytes-to-string")
    assert keys(report) == both("decode-error", "v1", "v2", "")
    assert "UnicodeDecodeError" in only_in(report, "decode-error", "v1", "v2", "avro-binary").read


def test_unresolvable_type_change_is_decode_error_at_the_field() -> None:
    report = fuzz_fixture(AVRO / "int-to-string")
    assert keys(report) == both("decode-error", "v1", "v2", "temp") | both(
        "decode-error", "v2", "v1", "temp"
    )


def test_reader_default_is_injected() -> None:
    report = fuzz_fixture(AVRO / "reader-default")
    assert both("default-injected", "v1", "v2", "interval_s") <= keys(report)
    finding = only_in(report, "default-injected", "v1", "v2", "avro-binary")
    assert finding.read == 60 and finding.severity == Severity.INFO


def test_rename_without_alias_raises_default_injected_to_warning() -> None:
    report = fuzz_fixture(AVRO / "rename-without-alias")
    assert keys(report, Severity.WARNING) >= both("default-injected", "v1", "v2", "temperature")
    finding = only_in(report, "default-injected", "v1", "v2", "avro-binary")
    assert finding.severity == Severity.WARNING
    assert "without an alias" in finding.explanation
    # the old reader lacks a default for the renamed field: every message fails
    assert both("decode-error", "v2", "v1", "temp") <= keys(report)


def test_enum_symbol_unknown_to_reader_with_default_is_enum_unknown() -> None:
    report = fuzz_fixture(AVRO / "enum-with-default")
    assert keys(report) == both("enum-unknown", "v2", "v1", "mode")
    finding = only_in(report, "enum-unknown", "v2", "v1", "avro-binary")
    assert (finding.written, finding.read) == ("FAULT", "UNKNOWN")
    assert finding.severity == Severity.WARNING


def test_enum_symbol_unknown_to_reader_without_default_is_decode_error() -> None:
    report = fuzz_fixture(AVRO / "enum-without-default")
    assert keys(report) == both("decode-error", "v2", "v1", "")


def test_removed_field_is_unknown_and_missing_default_is_decode_error() -> None:
    report = fuzz_fixture(AVRO / "field-removed")
    assert keys(report) == both("field-unknown", "v1", "v2", "battery") | both(
        "decode-error", "v2", "v1", "battery"
    )


def test_name_removed_and_readded_with_another_type_is_field_reused() -> None:
    report = fuzz_fixture(AVRO / "name-reused")
    assert both("field-reused", "v1", "v3", "level") <= keys(report)
    finding = only_in(report, "field-reused", "v1", "v3", "avro-binary")
    assert "version v2 has no field `level`" in finding.explanation


@pytest.mark.parametrize(
    ("case", "writer", "reader"),
    [
        ("clean-union-reordered", "v1", "v2"),
        ("clean-union-reordered", "v2", "v1"),
        ("clean-field-added-default", "v1", "v2"),
        ("clean-field-added-default", "v2", "v1"),
        ("clean-rename-alias", "v1", "v2"),
        ("clean-int-to-long", "v1", "v2"),
        # enum symbols reordered inside a general union's record, its map and its arrays
        ("clean-enum-reordered-in-union", "v1", "v2"),
        ("clean-enum-reordered-in-union", "v2", "v1"),
    ],
)
def test_compatible_changes_have_no_error_or_warning(case: str, writer: str, reader: str) -> None:
    report = fuzz_fixture(AVRO / case, examples=80, writers=[writer], readers=[reader])
    assert keys(report, Severity.WARNING) == set()


def only_in(report, kind: str, writer: str, reader: str, encoding: str):  # type: ignore[no-untyped-def]
    found = [
        f
        for f in report.findings
        if (f.kind, f.writer, f.reader, f.encoding) == (kind, writer, reader, encoding)
    ]
    assert len(found) == 1, [f.to_json() for f in report.findings]
    return found[0]


def test_generated_records_are_valid_for_the_writer_schema() -> None:
    family = load_family(ROOT / "schemas" / "tracker")
    for version in family.versions:
        _assert_valid(version.codec)


def _assert_valid(codec) -> None:  # type: ignore[no-untyped-def]
    import fastavro.validation

    @settings(
        max_examples=30, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(codec.strategy())
    def valid(record: object) -> None:
        assert fastavro.validation.validate(record, codec.raw, raise_errors=True)

    valid()
    # The fast generator (discovery) makes the same kind of records, and the strategy replays
    # each from its recorded choices.
    from random import Random

    from schemafuzz._internal.engine import replay

    sampler = codec.sampler()
    random = Random(7)
    for _ in range(200):
        record, choices = sampler.draw(random)
        assert fastavro.validation.validate(record, codec.raw, raise_errors=True)
        assert repr(replay(codec.strategy(), choices)) == repr(record)


def test_default_that_does_not_match_its_type_is_a_clear_input_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from schemafuzz._internal.errors import InputError
    from tests.conftest import write_family

    schema = (
        '{"type": "record", "name": "Info", "fields": '
        '[{"name": "version", "type": "int", "default": "1"}]}'
    )
    family = write_family(tmp_path / "f", {"v1": {"info.avsc": schema}})
    with pytest.raises(
        InputError, match=r"info.avsc:1: record Info field 'version': Default value"
    ):
        load_family(family)


def test_unknown_named_type_is_an_input_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from schemafuzz._internal.errors import InputError
    from tests.conftest import write_family

    schema = '{"type": "record", "name": "R", "fields": [{"name": "u", "type": "Unit"}]}'
    family = write_family(tmp_path / "f", {"v1": {"r.avsc": schema}})
    with pytest.raises(
        InputError, match=r"r.avsc:1: unknown named type 'Unit' \(no .avsc file of version v1"
    ):
        load_family(family)


def test_identical_versions_of_the_tracker_fleet_give_no_finding(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    fleet = ROOT / "schemas" / "tracker"
    for version in ("v1", "v3", "v5", "v6"):
        family = tmp_path / version
        shutil.copytree(fleet / version, family / "a")
        shutil.copytree(fleet / version, family / "b")
        shutil.copy(fleet / "family.toml", family / "family.toml")
        report = fuzz_fixture(family, examples=40)
        assert report.findings == [], version


def test_named_types_across_files_load_in_dependency_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import write_family

    unit = (
        '{"type": "record", "name": "Unit", "namespace": "x", "fields": '
        '[{"name": "code", "type": "string"}]}'
    )
    reading = (
        '{"type": "record", "name": "Reading", "namespace": "x", "fields": '
        '[{"name": "unit", "type": "Unit"}, {"name": "value", "type": "double"}]}'
    )
    # a.avsc sorts before unit.avsc but needs it: the loader retries until both parse
    family = write_family(tmp_path / "f", {"v1": {"a.avsc": reading, "unit.avsc": unit}})
    loaded = load_family(family, root="Reading")
    root = loaded.versions[0].root
    assert root.name == "x.Reading"
    assert [f.name for f in root.fields] == ["unit", "value"]
    assert root.fields[0].message is not None and root.fields[0].message.name == "x.Unit"


def test_several_top_level_records_need_a_root(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from schemafuzz._internal.errors import InputError
    from tests.conftest import write_family

    one = '{"type": "record", "name": "A", "fields": [{"name": "a", "type": "int"}]}'
    two = '{"type": "record", "name": "B", "fields": [{"name": "b", "type": "int"}]}'
    family = write_family(tmp_path / "f", {"v1": {"types.avsc": f"[{one}, {two}]"}})
    with pytest.raises(InputError, match=r"several top-level records could be the root \(A, B\)"):
        load_family(family)
    assert load_family(family, root="B").versions[0].root.name == "B"


def test_invalid_json_names_file_line_and_column(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from schemafuzz._internal.errors import InputError
    from tests.conftest import write_family

    family = write_family(tmp_path / "f", {"v1": {"r.avsc": '{"type": "record",\n "name": }'}})
    with pytest.raises(InputError, match=r"r.avsc:2:10: invalid JSON"):
        load_family(family)
