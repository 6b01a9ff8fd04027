"""Smoke runs over real schema histories in ../shared/realworld (data for trying, not committed)."""

from __future__ import annotations

import pytest

from schemafuzz._internal.family import load_family
from schemafuzz._internal.runner import RunOptions, run
from tests.conftest import REALWORLD

MESHTASTIC = REALWORLD / "meshtastic"


@pytest.mark.skipif(
    not MESHTASTIC.is_dir(),
    reason=f"{MESHTASTIC} is absent (real-world data lives beside the project)",
)
def test_meshtastic_adjacent_versions_both_directions_run_clean_of_internal_errors() -> None:
    family = load_family(MESHTASTIC, root="MeshPacket")
    assert len(family.versions) == 30
    names = [v.name for v in family.versions]
    findings = 0
    for older, newer in zip(names, names[1:], strict=False):
        for writer, reader in ((older, newer), (newer, older)):
            report = run(
                family,
                RunOptions(examples=8, jobs=1, writers=[writer], readers=[reader]),
            )
            assert {(p.writer, p.reader) for p in report.pairs} == {(writer, reader)}
            assert all(p.examples > 0 for p in report.pairs)
            findings += len(report.findings)
    assert findings > 0  # 30 real versions do change MeshPacket
