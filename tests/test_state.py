"""Stale state: each cross-version cause, the same-version hazard, reconnects, delivery faults."""

from __future__ import annotations

import pytest

from schemafuzz._internal.catalog import Severity
from schemafuzz._internal.family import load_family
from schemafuzz._internal.matching import History
from schemafuzz._internal.model import StateConfig, View
from schemafuzz._internal.runner import RunOptions, make_checks
from schemafuzz._internal.state import RECONNECT, Sequence, StateRun, apply
from tests.conftest import FIXTURES, fuzz_fixture

STATE = FIXTURES / "state"


def state_keys(report) -> set[tuple[str, str, str, str, str]]:  # type: ignore[no-untyped-def]
    return {
        (f.kind, f.writer, f.reader, f.encoding, f.path)
        for f in report.findings
        if f.kind in ("stale-state", "state-hazard")
    }


def finding(report, kind: str, writer: str, reader: str, path: str):  # type: ignore[no-untyped-def]
    found = [
        f
        for f in report.findings
        if (f.kind, f.writer, f.reader, f.path) == (kind, writer, reader, path)
    ]
    assert len(found) == 1, [f.to_json() for f in report.findings]
    return found[0]


def test_optional_made_implicit_cannot_clear_a_flag_under_merge() -> None:
    report = fuzz_fixture(STATE / "optional-to-implicit")
    assert ("stale-state", "v1", "v2", "proto-binary", "alarm") in state_keys(report)
    stale = finding(report, "stale-state", "v1", "v2", "alarm")
    assert (stale.written, stale.read) == (False, True)  # the device cleared it; the cloud did not
    assert stale.example == {"sent": [{"alarm": True}, {"alarm": False}], "delivered": [0, 1]}
    assert stale.severity == Severity.ERROR


def test_implicit_presence_is_a_hazard_of_the_version_itself_not_a_compatibility_finding() -> None:
    report = fuzz_fixture(STATE / "optional-to-implicit")
    hazard = finding(report, "state-hazard", "v2", "v2", "alarm")
    assert hazard.severity == Severity.WARNING
    assert ("state-hazard", "v1", "v1", "proto-binary", "power_w") in state_keys(report)
    # v2 -> v1 is not stale on alarm: v2 itself cannot express it (a hazard, reported once)
    assert ("stale-state", "v2", "v1", "proto-binary", "alarm") not in state_keys(report)


def test_closed_enum_reader_keeps_its_old_state() -> None:
    report = fuzz_fixture(STATE / "closed-enum-grown")
    assert state_keys(report) == {("stale-state", "v2", "v1", "proto-binary", "state")}
    stale = finding(report, "stale-state", "v2", "v1", "state")
    assert stale.written == "FAULT"


def test_avro_enum_symbol_mapped_to_reader_default_under_merge() -> None:
    report = fuzz_fixture(STATE / "avro-enum-default")
    assert state_keys(report) == {("stale-state", "v2", "v1", "avro-binary", "state")}
    stale = finding(report, "stale-state", "v2", "v1", "state")
    assert (stale.written, stale.read) == ("FAULT", "UNKNOWN")


def test_rejected_update_leaves_the_state_stale() -> None:
    report = fuzz_fixture(STATE / "rejected-update")
    assert ("stale-state", "v2", "v1", "proto-json", "power_w") in state_keys(report)


def test_reader_that_cannot_order_at_least_once_delivery_is_stale() -> None:
    report = fuzz_fixture(STATE / "ordering-renamed")
    keys = state_keys(report)
    assert ("stale-state", "v1", "v2", "proto-binary", "power_w") in keys
    # v2 has no `seq`: it cannot order even its own messages
    assert ("state-hazard", "v2", "v2", "proto-binary", "power_w") in keys
    # v1 orders by seq: duplicates and reordering do not hurt it
    assert not any(k[2] == "v1" for k in keys)


def _state_run(case: str) -> StateRun:
    family = load_family(STATE / case)
    writer, reader = family.versions
    encoding = family.encodings[0]
    history = History(family.versions)
    checks = make_checks(writer, encoding, [reader], history)
    baseline = make_checks(writer, encoding, [writer], history)[0]
    return StateRun(family, writer, encoding, checks, RunOptions(), baseline)


def test_reconnect_snapshot_recovers_a_stale_reader() -> None:
    run = _state_run("reconnect")
    build = run.writer.codec.build  # type: ignore[attr-defined]
    sent = [build({"alarm": True}), build({"alarm": False})]
    stale = [d for _, d in run._stale(Sequence(sent, [0, 1]), run.checks)]
    assert [(d.kind, d.path) for d in stale] == [("stale-state", "alarm")]
    recovered = [d for _, d in run._stale(Sequence(sent, [0, 1, RECONNECT]), run.checks)]
    assert recovered == []


def test_field_override_replaces_instead_of_appending() -> None:
    family = load_family(STATE / "field-overrides")
    root = family.versions[0].root
    config = family.state
    assert config is not None and config.mode("samples") == "replace"
    first = View({"samples": [1], "power_w": 5}, {"samples", "power_w"})
    second = View({"samples": [2], "power_w": 0}, {"samples"})
    state = apply(View(dict(first.values), set()), first, root, config, "proto")
    state = apply(state, second, root, config, "proto")
    assert state.values == {"samples": [2], "power_w": 5}
    merged = apply(state, second, root, StateConfig("merge"), "proto")
    assert merged.values["samples"] == [2, 2]  # plain merge appends


def test_families_without_state_semantics_get_no_state_findings() -> None:
    report = fuzz_fixture(FIXTURES / "proto" / "optional-removed")
    assert state_keys(report) == set()


def test_reconnect_snapshot_replaces_an_avro_readers_state(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    family_dir = tmp_path / "avro"
    shutil.copytree(STATE / "avro-enum-default", family_dir)
    toml = family_dir / "family.toml"
    toml.write_text(toml.read_text() + 'reconnect = "snapshot"\n')
    family = load_family(family_dir)
    writer, reader = family.versions
    encoding = family.encodings[0]
    history = History(family.versions)
    run = StateRun(family, reader, encoding, make_checks(reader, encoding, [writer], history),
                   RunOptions(), make_checks(reader, encoding, [reader], history)[0])  # fmt: skip
    sent = [{"state": "CHARGING", "power_w": 7}]
    encoded, reference = run._encoded(Sequence(sent, [0]))  # type: ignore[misc]
    # The message itself is never delivered: only the snapshot can carry its values.
    state = run._reader_state(Sequence(sent, [RECONNECT]), encoded, reference, run.checks[0])
    assert state is not None
    assert state.values["power_w"] == 7
    assert state.values["state"] == writer.root.fields[0].enum.numbers["CHARGING"]  # type: ignore[union-attr]


def _merge_matches_protobuf(family, version) -> None:  # type: ignore[no-untyped-def]
    from hypothesis import HealthCheck, given, settings

    from schemafuzz._internal.state import settled

    codec = version.codec
    everything = StateConfig("merge")

    @settings(max_examples=60, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(codec.strategy(), codec.strategy())
    def merge_like_protobuf(first, second) -> None:  # type: ignore[no-untyped-def]
        data = [codec.encode(v, "proto-binary") for v in (first, second)]
        views = [codec.decode(d, "proto-binary", codec) for d in data]
        state = View(dict(views[0].values), set())
        for view in views:
            state = apply(state, view, version.root, everything, "proto")
        real = codec.cls()
        for d in data:
            real.MergeFrom(codec.cls.FromString(d))
        expected = codec.decode(real.SerializeToString(), "proto-binary", codec)
        assert not make_checks(version, family_encoding, [version], history)[0].oracle.compare(
            settled(expected), settled(state)
        )

    family_encoding = next(e for e in family.encodings if e.name == "proto-binary")
    history = History(family.versions)
    merge_like_protobuf()


SCHEMAS = FIXTURES.parent.parent / "schemas"


@pytest.mark.parametrize(
    ("family", "version"), [("thermostat", "v7"), ("charger", "v1"), ("charger", "v3")]
)
def test_merge_on_views_is_protobufs_own_merge_from(family: str, version: str) -> None:
    """The state model's merge equals protobuf's MergeFrom (oneof, maps, repeated, nested,
    proto2 closed enums), checked on generated message pairs."""
    loaded = load_family(SCHEMAS / family)
    _merge_matches_protobuf(loaded, loaded.version(version))
