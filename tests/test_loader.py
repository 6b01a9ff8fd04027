"""Loading families: version order, family.toml, candidates, and errors people can act on."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemafuzz._internal.errors import InputError
from schemafuzz._internal.family import load_family, natural_key
from tests.conftest import ROOT, write_family

READING = 'syntax = "proto3";\npackage t;\nmessage Reading {\n  int32 temp = 1;\n}\n'


def test_natural_sort_orders_digit_runs_as_numbers() -> None:
    names = ["v10", "v2", "fw-2.10", "fw-2.9", "v1"]
    assert sorted(names, key=natural_key) == ["fw-2.9", "fw-2.10", "v1", "v2", "v10"]


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=20, unique=True))
def test_natural_sort_matches_numeric_order(numbers: list[int]) -> None:
    names = [f"v{n}" for n in numbers]
    assert sorted(names, key=natural_key) == [f"v{n}" for n in sorted(numbers)]


def test_example_fleet_loads_in_order_with_its_root() -> None:
    family = load_family(ROOT / "schemas" / "thermostat")
    assert [v.name for v in family.versions] == [f"v{i}" for i in range(1, 8)]
    assert {v.root.name for v in family.versions} == {"thermostat.Telemetry"}
    assert [e.name for e in family.encodings] == ["proto-binary", "proto-json"]


def test_versions_listed_in_family_toml_win(family_dir: Path) -> None:
    write_family(
        family_dir,
        {"b": {"r.proto": READING}, "a": {"r.proto": READING}},
        'versions = ["b", "a"]\n',
    )
    assert [v.name for v in load_family(family_dir).versions] == ["b", "a"]


def test_short_root_resolves_when_the_package_changes(family_dir: Path) -> None:
    write_family(
        family_dir,
        {
            "v1": {"r.proto": READING},
            "v2": {"r.proto": READING.replace("package t;", "package t.v2;")},
        },
        'root = "Reading"\n',
    )
    family = load_family(family_dir)
    assert [v.root.name for v in family.versions] == ["t.Reading", "t.v2.Reading"]


def test_imports_resolve_inside_each_version(family_dir: Path) -> None:
    common = 'syntax = "proto3";\npackage t;\nmessage Unit {\n  string name = 1;\n}\n'
    main = (
        'syntax = "proto3";\npackage t;\nimport "t/common.proto";\n'
        'import "google/protobuf/timestamp.proto";\n'
        "message Reading {\n  Unit unit = 1;\n  google.protobuf.Timestamp at = 2;\n}\n"
    )
    write_family(family_dir, {"v1": {"t/common.proto": common, "t/reading.proto": main}})
    family = load_family(family_dir, root="Reading")
    assert [f.name for f in family.versions[0].root.fields] == ["unit", "at"]


def test_descriptor_set_file_is_a_version(family_dir: Path, tmp_path: Path) -> None:
    from schemafuzz._internal.formats.proto import compile_version

    write_family(family_dir, {"v1": {"r.proto": READING}})
    source = write_family(tmp_path / "src", {"v2": {"r.proto": READING}})
    fds = compile_version(source / "v2", "v2")
    (family_dir / "v2.binpb").write_bytes(fds.SerializeToString())
    family = load_family(family_dir, root="Reading")
    assert [v.name for v in family.versions] == ["v1", "v2"]


def test_candidate_single_file_is_loaded_last(family_dir: Path, tmp_path: Path) -> None:
    write_family(family_dir, {"v1": {"r.proto": READING}})
    candidate = tmp_path / "new.proto"
    candidate.write_text(READING.replace("int32 temp", "uint32 temp"), encoding="utf-8")
    family = load_family(family_dir, candidate=candidate)
    assert [v.name for v in family.versions] == ["v1", "candidate"]
    assert family.versions[1].root.fields[0].type == "uint32"


@pytest.mark.parametrize(
    ("versions", "toml", "message"),
    [
        (
            {"v1": {"r.proto": READING}, "v2": {"r.proto": READING.replace("= 1;", "= 1")}},
            None,
            r"v2/r\.proto:5:1: Expected \";\"",
        ),
        (
            {"v1": {"r.proto": 'syntax = "proto3";\nimport "units.proto";\n' + READING[19:]}},
            None,
            r"v1/r\.proto:2:1: import 'units\.proto' not found in ",
        ),
        (
            {
                "v1": {"r.proto": READING},
                "v2": {"r.proto": READING.replace("Reading", "Measurement")},
            },
            'root = "Reading"\n',
            r"v2: root message 'Reading' not found \(messages: t\.Measurement\)",
        ),
        ({"v1": {"README.md": "notes"}}, None, r"version v1: no schema files"),
        ({"v1": {"r.proto": READING}}, 'rooot = "Reading"\n', r"unknown key 'rooot'"),
        ({"v1": {"r.proto": READING}}, "encodings = 3\n", r"key 'encodings' must be a list"),
        (
            {"v1": {"r.proto": READING}},
            'encodings = ["proto-xml"]\n',
            r"unknown encoding proto-xml for format proto",
        ),
        (
            {"v1": {"r.proto": READING}},
            'proto_json_unknown = "drop"\n',
            r"proto_json_unknown must be 'reject' or 'ignore'",
        ),
        (
            {"v1": {"r.proto": READING.replace("temp = 1", "temp = 1;\n  int32 hum = 1")}},
            None,
            r"r\.proto:5:15: Field number 1 has already been used",
        ),
    ],
)
def test_bad_input_names_the_problem(
    family_dir: Path, versions: dict[str, dict[str, str]], toml: str | None, message: str
) -> None:
    write_family(family_dir, versions, toml)
    with pytest.raises(InputError, match=message):
        load_family(family_dir)


def test_empty_family_says_so(family_dir: Path) -> None:
    family_dir.mkdir()
    with pytest.raises(InputError, match="no versions"):
        load_family(family_dir)


def test_binary_junk_named_proto_is_an_input_error(family_dir: Path) -> None:
    write_family(family_dir, {"v1": {"r.proto": READING}})
    (family_dir / "v1" / "junk.proto").write_bytes(b"\x00\xff\xfe binary")
    with pytest.raises(InputError, match=r"junk\.proto:1:2: not a UTF-8 text file \(byte 0xff\)"):
        load_family(family_dir)
