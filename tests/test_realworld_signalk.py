"""Smoke run over the real Signal K history (JSON Schema draft-04, 20 versions), root
`schemas/delta.json` (the delta message: the telemetry stream format).

v001's delta.json fails the draft-04 meta-schema (`required` placed inside `properties`), so it
is an input error; v002..v020 are fuzzed, adjacent versions both ways. Several versions hold
broken files the root never references (v005..v011 `groups/electrical.json`, dangling refs in
`def_loader.json`): those must not stop the version.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from schemafuzz._internal.errors import InputError
from schemafuzz._internal.family import load_family
from schemafuzz._internal.formats.jsonschema import load_version
from schemafuzz._internal.runner import RunOptions, run
from tests.conftest import REALWORLD

SIGNALK = REALWORLD / "signalk"
ROOT = "schemas/delta.json"
pytestmark = pytest.mark.skipif(
    not SIGNALK.is_dir(), reason=f"{SIGNALK} is absent (real-world data lives beside the project)"
)


def test_v001_delta_is_a_clear_input_error() -> None:
    with pytest.raises(
        InputError, match=r"delta\.json: not a valid draft-04 schema at properties/put"
    ):
        load_version(SIGNALK / "v001", name="v001", root=ROOT, options={})


def test_signalk_adjacent_versions_both_directions_run_clean_of_internal_errors(
    tmp_path: Path,
) -> None:
    family_dir = tmp_path / "signalk"
    family_dir.mkdir()
    names = sorted(p.name for p in SIGNALK.iterdir() if p.is_dir() and p.name != "v001")
    for name in names:
        (family_dir / name).symlink_to(SIGNALK / name, target_is_directory=True)
    (family_dir / "family.toml").write_text(f'format = "jsonschema"\nroot = "{ROOT}"\n')
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # `not` in updates[] items: generated, then validated
        family = load_family(family_dir)
    assert len(family.versions) == 19
    findings = 0
    for older, newer in zip(names, names[1:], strict=False):
        for writer, reader in ((older, newer), (newer, older)):
            report = run(family, RunOptions(examples=4, jobs=1, writers=[writer], readers=[reader]))
            assert {(p.writer, p.reader) for p in report.pairs} == {(writer, reader)}
            assert all(p.examples > 0 for p in report.pairs) and not report.skipped
            findings += len(report.findings)
    assert findings > 0  # v015 drops the subscribe/put/... arrays; v019 lets meta stand alone
