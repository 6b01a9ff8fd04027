"""The public library surface: `import schemafuzz`."""

from __future__ import annotations

import types

import pytest
from hypothesis import given, settings
from hypothesis.errors import InvalidArgument

import schemafuzz
from schemafuzz.strategies import encoded, messages, sequences
from tests.conftest import FIXTURES, PROTO, ROOT

SIGN = PROTO / "int32-to-uint32"
SENSOR = ROOT / "docs" / "examples" / "sensor"


def test_all_is_exactly_the_public_surface() -> None:
    public = {
        name
        for name, value in vars(schemafuzz).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(schemafuzz.__all__) == public | {"strategies"}
    assert schemafuzz.strategies.__name__ == "schemafuzz.strategies"
    assert set(schemafuzz.strategies.__all__) == {"encoded", "messages", "sequences"}


def test_the_package_is_typed() -> None:
    assert (ROOT / "src" / "schemafuzz" / "py.typed").is_file()


def test_load_family_and_versions() -> None:
    family = schemafuzz.load_family(SENSOR)
    assert [v.name for v in family.versions] == ["v1", "v2", "v3"]
    assert family.version("v2").name == "v2"
    with pytest.raises(schemafuzz.InputError):
        schemafuzz.load_family(FIXTURES / "does-not-exist")


def test_check_pair_finds_the_exact_finding() -> None:
    family = schemafuzz.load_family(SIGN)
    [finding] = schemafuzz.check_pair(
        family.version("v1"), family.version("v2"), encoding="proto-binary", examples=30
    )
    assert (finding.kind, finding.writer, finding.reader, finding.encoding, finding.path) == (
        "value-changed", "v1", "v2", "proto-binary", "temp",
    )  # fmt: skip
    assert (finding.written, finding.read, finding.example) == (-1, 4294967295, {"temp": -1})
    assert finding.severity is schemafuzz.Severity.ERROR


def test_assert_compatible_message_is_readable() -> None:
    family = schemafuzz.load_family(SIGN)
    with pytest.raises(AssertionError) as failure:
        schemafuzz.assert_compatible(family.version("v2"), family.version("v1"), examples=30)
    text = str(failure.value)
    assert "value-changed (error) at temp, proto-binary: wrote 2147483648, read -2147483648" in text
    assert 'minimal example: {"temp": 2147483648}' in text
    assert "reproduce: schemafuzz fuzz" in text
    schemafuzz.assert_compatible(family.version("v2"), family.version("v1"), fail_on="never")


def test_clean_pair_is_compatible() -> None:
    family = schemafuzz.load_family(SENSOR)
    schemafuzz.assert_compatible(family.version("v1"), family.version("v3"), examples=30)
    schemafuzz.assert_compatible(family.version("v3"), family.version("v1"), examples=30)


def test_fuzz_with_a_candidate_file() -> None:
    family = schemafuzz.load_family(SIGN)
    candidate = SIGN / "v2"
    report = schemafuzz.fuzz(family, candidate=candidate, examples=20, seed=3)
    assert isinstance(report, schemafuzz.Report)
    assert report.worst is schemafuzz.Severity.ERROR
    assert {(p.writer, p.reader) for p in report.pairs} == {
        ("v1", "candidate"), ("v2", "candidate"), ("candidate", "v1"), ("candidate", "v2"),
    }  # fmt: skip
    assert [v.name for v in family.versions] == ["v1", "v2"]  # the loaded family is untouched


def test_versions_of_two_families_compare_as_consecutive_versions() -> None:
    old = schemafuzz.load_family(SIGN).version("v1")
    new = schemafuzz.load_family(PROTO / "clean-field-added").version("v2")
    findings = schemafuzz.check_pair(old, new, encoding="proto-binary", examples=20)
    assert all(f.writer == "v1" and f.reader == "v2" for f in findings)


V3 = schemafuzz.load_family(SENSOR).version("v3")


@settings(max_examples=25, database=None)
@given(messages(V3))
def test_messages_are_plain_and_valid(reading: dict[str, object]) -> None:
    assert set(reading) <= {"device_id", "temp_c", "battery_pct", "alarms"}


@settings(max_examples=25, database=None)
@given(messages(V3, native=True))
def test_native_messages_are_protobuf(reading: object) -> None:
    assert type(reading).DESCRIPTOR.full_name == "sensor.Reading"  # type: ignore[attr-defined]


@settings(max_examples=25, database=None)
@given(encoded(V3, "proto-binary"))
def test_encoded_bytes_decode_with_the_version(data: bytes) -> None:
    V3.codec.decode(data, "proto-binary", V3.codec)


CHARGER = schemafuzz.load_family(ROOT / "schemas" / "charger").version("v3")


@settings(max_examples=25, database=None)
@given(sequences(CHARGER))
def test_sequences_follow_the_family_ordering(messages: list[dict[str, object]]) -> None:
    assert 1 <= len(set(str(m.get("seq")) for m in messages)) <= 3


def test_strategies_validate_their_arguments() -> None:
    with pytest.raises(InvalidArgument):
        encoded(V3, "avro-binary")
    with pytest.raises(InvalidArgument):
        messages("v3")  # type: ignore[arg-type]
