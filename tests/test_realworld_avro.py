"""Smoke runs over the real Kaa endpoint Avro history in ../shared/realworld (when present)."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemafuzz._internal.errors import InputError
from schemafuzz._internal.family import load_family
from schemafuzz._internal.runner import RunOptions, run
from tests.conftest import REALWORLD

KAA = REALWORLD / "kaa-endpoint-avro"
pytestmark = pytest.mark.skipif(
    not KAA.is_dir(), reason=f"{KAA} is absent (real-world data lives beside the project)"
)
DEFECTIVE = ("v001", "v002", "v003", "v004")  # EndpointVersionInfo: "type": "int", "default": "1"


def _family(tmp_path: Path, versions: list[str]) -> Path:
    family = tmp_path / "kaa"
    family.mkdir()
    for version in versions:
        (family / version).symlink_to(KAA / version, target_is_directory=True)
    return family


@pytest.mark.parametrize("version", DEFECTIVE)
def test_known_default_defect_is_a_clear_input_error(tmp_path: Path, version: str) -> None:
    with pytest.raises(InputError) as error:
        load_family(_family(tmp_path, [version]), root="SyncRequest")
    message = str(error.value)
    assert "endpoint.avsc" in message
    assert "record EndpointVersionInfo field 'profileVersion'" in message
    assert "Default value <1> must match schema type: int" in message


def test_adjacent_sound_versions_both_directions_run_without_internal_error(
    tmp_path: Path,
) -> None:
    versions = sorted(p.name for p in KAA.iterdir() if p.is_dir() and p.name not in DEFECTIVE)
    family = load_family(_family(tmp_path, versions), root="SyncRequest")
    for older, newer in zip(versions, versions[1:], strict=False):
        for writer, reader in ((older, newer), (newer, older)):
            report = run(family, RunOptions(examples=5, jobs=0, writers=[writer], readers=[reader]))
            assert len(report.pairs) == 2  # both encodings
            assert all(p.examples > 0 for p in report.pairs)
