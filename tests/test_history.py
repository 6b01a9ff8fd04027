"""The generated schema history of the benchmarks (benchmarks/history.py): every version
compiles, versions differ, the root has about 40 fields, the same seed gives the same files."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.history import write_candidate, write_history

import schemafuzz
from schemafuzz._internal.family import CANDIDATE
from schemafuzz._internal.family import load_family as load_with_candidate
from schemafuzz._internal.model import MessageDef


def field_count(message: MessageDef, seen: set[str] | None = None) -> int:
    """Fields of `message` and of every message it reaches, each message counted once."""
    seen = set() if seen is None else seen
    if message.name in seen:
        return 0
    seen.add(message.name)
    return sum(
        1 + (field_count(f.message, seen) if f.message is not None else 0) for f in message.fields
    )


def files(family_dir: Path) -> dict[str, str]:
    return {
        p.relative_to(family_dir).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(family_dir.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_history(tmp_path_factory.mktemp("history") / "fleet", 5, seed=3)


def test_every_version_compiles_and_differs_from_the_one_before(history: Path) -> None:
    family = schemafuzz.load_family(history)
    assert [v.name for v in family.versions] == ["v1", "v2", "v3", "v4", "v5"]
    assert [e.name for e in family.encodings] == ["proto-binary", "proto-json"]
    assert family.options == {"proto_json_unknown": "ignore"}
    texts = [(history / v.name / "telemetry.proto").read_text() for v in family.versions]
    for older, newer in zip(texts, texts[1:], strict=False):
        assert older != newer
    # The changes are real schema changes, not only the comment naming them.
    models = [
        sorted((f.name, f.number, f.type) for f in v.codec.root.fields) for v in family.versions
    ]
    assert len({repr(m) for m in models}) > 1


def test_the_root_has_about_40_fields_counting_nested_ones(history: Path) -> None:
    family = schemafuzz.load_family(history)
    for version in family.versions:
        root = version.codec.root
        assert root.name == "fleet.Telemetry"
        assert 36 <= field_count(root) <= 50, version.name
    root = family.versions[0].codec.root
    by_name = {f.name: f for f in root.fields}
    assert by_name["labels"].is_map and by_name["readings"].repeated
    assert by_name["rssi_dbm"].presence and by_name["text"].oneof == "payload"
    fix = by_name["location"].message.by_name()["fix"]  # type: ignore[union-attr]
    assert fix.message is not None  # three levels: Telemetry -> Location -> Fix


def test_the_same_seed_gives_the_same_files_and_a_prefix_of_a_longer_history(
    tmp_path: Path, history: Path
) -> None:
    again = write_history(tmp_path / "again", 5, seed=3)
    assert files(again) == files(history)
    other = write_history(tmp_path / "other", 5, seed=4)
    assert files(other) != files(history)
    longer = write_history(tmp_path / "longer", 7, seed=3)
    for name in ("v1", "v2", "v3", "v4", "v5"):
        assert files(longer / name) == files(history / name)


def test_a_candidate_is_one_more_evolution_of_the_last_version(
    tmp_path: Path, history: Path
) -> None:
    candidate = write_candidate(tmp_path, history, seed=0)
    assert candidate == tmp_path / "candidate"
    assert files(write_candidate(tmp_path / "again", history, seed=0)) == files(candidate)
    text = (candidate / "telemetry.proto").read_text()
    assert text != (history / "v5" / "telemetry.proto").read_text()
    family = load_with_candidate(history, candidate=candidate)
    assert family.versions[-1].name == CANDIDATE
    assert 36 <= field_count(family.versions[-1].codec.root) <= 50


def test_a_long_history_compiles(tmp_path: Path) -> None:
    family = schemafuzz.load_family(write_history(tmp_path / "long", 30))
    assert len(family.versions) == 30
    counts = [field_count(v.codec.root) for v in family.versions]
    assert min(counts) >= 36 and max(counts) <= 50, counts
