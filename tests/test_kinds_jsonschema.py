"""Every finding kind of the JSON Schema reader model, each on its own fixture pair, asserted
exactly: kind, writer, reader, encoding and path (and the values where they are the point)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cbor2
import pytest

from schemafuzz._internal.catalog import Severity
from schemafuzz._internal.family import load_family
from schemafuzz._internal.model import DecodeFailure
from tests.conftest import FIXTURES, ROOT, fuzz_fixture, keys, write_family

JSONSCHEMA = FIXTURES / "jsonschema"
ENCODINGS = ("json", "cbor")
METER = ROOT / "schemas" / "meter"


def each(kind: str, writer: str, reader: str, path: str) -> set[tuple[str, str, str, str, str]]:
    return {(kind, writer, reader, encoding, path) for encoding in ENCODINGS}


def test_lowered_maximum_rejects_writer_values_above_it() -> None:
    report = fuzz_fixture(JSONSCHEMA / "maximum-lowered")
    assert keys(report) == each("decode-error", "v1", "v2", "powerW")
    finding = next(f for f in report.findings if f.encoding == "json")
    assert 3680 < finding.example["powerW"] <= 5000
    assert "number[0..5000] in v1 and number[0..3680] in v2" in finding.explanation
    assert "maximum of 3680" in finding.read


def test_added_enum_value_is_rejected_by_an_old_reader() -> None:
    report = fuzz_fixture(JSONSCHEMA / "enum-grown")
    assert keys(report) == each("decode-error", "v2", "v1", "status")
    assert all(f.example["status"] == "maintenance" for f in report.findings)


def test_closed_object_gaining_a_property_names_it() -> None:
    report = fuzz_fixture(JSONSCHEMA / "closed-object-grown")
    assert keys(report) == each("decode-error", "v2", "v1", "humidityPct")
    finding = next(f for f in report.findings if f.encoding == "cbor")
    assert "field `humidityPct` of v2 does not exist in v1" in finding.explanation


def test_pattern_properties_a_closed_reader_rejects_are_one_finding(tmp_path: Path) -> None:
    """Keys a writer draws from a pattern are not its declared fields: whatever key an example
    drew, the reader's rejection is one finding at `*` (a stable fingerprint for baselines)."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "properties": {"id": {"type": "integer"}}}  # fmt: skip
    writer = {**schema, "patternProperties": {"^x-[a-z]{1,6}$": {"type": "integer"}}}
    reader = {**schema, "additionalProperties": False}
    family = write_family(
        tmp_path / "fam",
        {"v1": {"r.json": json.dumps(writer)}, "v2": {"r.json": json.dumps(reader)}},
    )
    report = fuzz_fixture(family, examples=80)
    assert keys(report, Severity.WARNING) == each("decode-error", "v1", "v2", "*")
    finding = next(f for f in report.findings if f.encoding == "json")
    assert any(key.startswith("x-") for key in finding.example)


def test_changed_default_of_an_optional_property_is_value_changed() -> None:
    report = fuzz_fixture(JSONSCHEMA / "default-changed")
    assert keys(report) == each("value-changed", "v1", "v2", "intervalS") | each(
        "value-changed", "v2", "v1", "intervalS"
    )
    forward = next(f for f in report.findings if (f.writer, f.encoding) == ("v1", "json"))
    assert (forward.written, forward.read) == (900, 300)
    assert "intervalS" not in forward.example  # absent on the wire: each side's default


def test_property_the_reader_does_not_declare_is_unknown_info() -> None:
    report = fuzz_fixture(JSONSCHEMA / "field-removed")
    assert keys(report) == each("field-unknown", "v1", "v2", "batteryMv")
    assert all(f.severity == Severity.INFO for f in report.findings)


def test_reader_default_for_a_property_the_writer_lacks_is_injected() -> None:
    report = fuzz_fixture(JSONSCHEMA / "reader-default")
    assert keys(report) == each("default-injected", "v1", "v2", "intervalS") | each(
        "field-unknown", "v2", "v1", "intervalS"
    )
    injected = [f for f in report.findings if f.kind == "default-injected"]
    assert len(injected) == 2
    assert all((f.read, f.severity) == (60, Severity.INFO) for f in injected)


def test_name_removed_and_readded_with_another_type_is_reused() -> None:
    report = fuzz_fixture(JSONSCHEMA / "name-reused")
    assert keys(report, Severity.WARNING) == (
        each("field-reused", "v1", "v3", "level")
        | each("field-reused", "v3", "v1", "level")
        | each("decode-error", "v3", "v1", "level")  # 0.5 is no integer for v1
    )
    finding = next(f for f in report.findings if (f.kind, f.writer) == ("field-reused", "v1"))
    assert "version v2 has no field `level`" in finding.explanation


def test_rename_without_alias_raises_the_injected_default_to_a_warning() -> None:
    report = fuzz_fixture(JSONSCHEMA / "renamed-without-alias")
    assert keys(report, Severity.WARNING) == each("default-injected", "v1", "v2", "temperature")
    finding = next(f for f in report.findings if f.kind == "default-injected")
    assert finding.severity == Severity.WARNING and finding.read == 20
    assert "looks renamed" in finding.explanation


def test_optional_property_added_is_clean_both_directions() -> None:
    report = fuzz_fixture(JSONSCHEMA / "clean-optional-added")
    assert keys(report, Severity.WARNING) == set()
    assert keys(report) <= each("field-unknown", "v2", "v1", "batteryMv")


def test_integer_widened_to_number_is_no_loss_and_narrowed_is_rejected() -> None:
    report = fuzz_fixture(JSONSCHEMA / "integer-to-number")
    assert keys(report) == each("decode-error", "v2", "v1", "energyWh")


def test_draft04_with_stale_ids_resolves_by_file_path() -> None:
    report = fuzz_fixture(JSONSCHEMA / "draft04-stale-ids")
    assert keys(report) == {("decode-error", "v1", "v2", "json", "depthM")}  # exclusive 1000 -> 500
    sensors = load_family(JSONSCHEMA / "draft04-stale-ids").versions[0].root.by_name()["sensors"]
    assert sensors.message is not None
    assert sensors.message.by_name()["children"].message is sensors.message  # recursive $ref


@pytest.mark.parametrize("version", ["v4", "v6"])  # draft-07 and 2020-12
def test_identical_meter_versions_give_no_finding(tmp_path: Path, version: str) -> None:
    family = tmp_path / "same"
    for copy in ("a", "b"):
        shutil.copytree(METER / version, family / copy)
    shutil.copy(METER / "family.toml", family / "family.toml")
    report = fuzz_fixture(family)
    assert report.findings == [] and report.skipped == {}
    assert all(p.examples == 60 for p in report.pairs)


INTEGER = '{{"$schema": "{draft}", "type": "object", "properties": {{"n": {{"type": "integer"}}}}}}'


def test_cbor_float_for_an_integer_is_read_as_the_draft_says(tmp_path: Path) -> None:
    """CBOR keeps 5.0 a float (so does Python's JSON for `5.0`): 2020-12 counts it as an
    integer, draft-04 does not; an integer 5 is fine for both."""
    drafts = {
        "new": "https://json-schema.org/draft/2020-12/schema",
        "old": "http://json-schema.org/draft-04/schema#",
    }
    family = write_family(
        tmp_path / "ints",
        {name: {"r.json": INTEGER.format(draft=uri)} for name, uri in drafts.items()},
    )
    versions = {v.name: v.codec for v in load_family(family).versions}
    float_five, int_five = cbor2.dumps({"n": 5.0}), cbor2.dumps({"n": 5})
    assert versions["new"].decode(float_five, "cbor").values["n"] == 5.0
    with pytest.raises(DecodeFailure) as rejected:
        versions["old"].decode(float_five, "cbor")
    assert rejected.value.keys == ("n",)
    assert versions["old"].decode(int_five, "cbor").values["n"] == 5
    with pytest.raises(DecodeFailure):
        versions["old"].decode(b'{"n": 5.0}', "json")


def test_property_the_reader_newly_requires_is_named_in_the_decode_error(tmp_path: Path) -> None:
    base = '{{"type": "object", "required": [{required}], "properties": {{"a": {{}}}}}}'
    family = write_family(
        tmp_path / "required",
        {"v1": {"r.json": base.format(required="")}, "v2": {"r.json": base.format(required='"a"')}},
    )
    report = fuzz_fixture(family)
    assert keys(report) == each("decode-error", "v1", "v2", "a")
    assert all(f.example == {} for f in report.findings)
