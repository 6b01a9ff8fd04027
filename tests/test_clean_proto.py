"""Safe changes produce no error (or warning) finding; identical versions produce none at all."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from schemafuzz._internal.catalog import Severity
from tests.conftest import PROTO, ROOT, fuzz_fixture, keys


@pytest.mark.parametrize(
    "case", ["clean-field-added", "clean-reordered", "clean-comments", "clean-renamed"]
)
def test_safe_change_has_no_error_or_warning(case: str) -> None:
    report = fuzz_fixture(PROTO / case, examples=80)
    assert keys(report, Severity.WARNING) == set()


def test_field_added_is_only_unknown_info_for_old_reader() -> None:
    report = fuzz_fixture(PROTO / "clean-field-added", examples=80)
    assert {k[0] for k in keys(report)} <= {"field-unknown"}
    assert all(f.writer == "v2" for f in report.findings)


@pytest.mark.parametrize("version", [f"v{i}" for i in range(1, 8)])
def test_identical_versions_of_the_example_fleet_give_no_finding(
    version: str, tmp_path: Path
) -> None:
    fleet = ROOT / "schemas" / "thermostat"
    family = tmp_path / "same"
    shutil.copytree(fleet / version, family / "a")
    shutil.copytree(fleet / version, family / "b")
    shutil.copy(fleet / "family.toml", family / "family.toml")
    report = fuzz_fixture(family, examples=40)
    assert report.findings == []
    assert all(p.examples > 0 for p in report.pairs)


@pytest.mark.parametrize("case", ["identical-proto3", "identical-proto2", "identical-editions"])
def test_every_feature_identical_versions_give_no_finding_in_both_encodings(case: str) -> None:
    """Every scalar, maps of every key type, oneof, optional, well-known types, recursion,
    proto2 required/defaults/groups/closed enums, editions: identical versions stay clean."""
    report = fuzz_fixture(PROTO / case, examples=100)
    assert report.encodings == ["proto-binary", "proto-json"]
    assert report.findings == []
    assert all(p.examples > 50 for p in report.pairs)
