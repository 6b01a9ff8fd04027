"""Loading JSON Schema versions: drafts, references, the root, and the input errors a user sees;
and the generator: every draft's keywords give valid instances, biased to edge values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from schemafuzz._internal.errors import InputError
from schemafuzz._internal.family import load_family
from schemafuzz._internal.formats.jsonschema import JsonSchemaVersion, load_version
from tests.conftest import fuzz_fixture, write_family

DRAFTS = {
    "draft-04": "http://json-schema.org/draft-04/schema#",
    "draft-06": "http://json-schema.org/draft-06/schema#",
    "draft-07": "http://json-schema.org/draft-07/schema#",
    "2019-09": "https://json-schema.org/draft/2019-09/schema",
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
}


def schema(draft: str = "2020-12", **properties: Any) -> str:
    body = {"$schema": DRAFTS[draft], "type": "object", "properties": properties}
    return json.dumps(body)


def load(tmp_path: Path, files: dict[str, str], root: str | None = None) -> JsonSchemaVersion:
    version = tmp_path / "v1"
    for rel, text in files.items():
        (version / rel).parent.mkdir(parents=True, exist_ok=True)
        (version / rel).write_text(text, encoding="utf-8")
    return load_version(version, name="v1", root=root, options={})


def draw(codec: JsonSchemaVersion, examples: int = 200) -> list[Any]:
    seen: list[Any] = []

    @seed(7)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(codec.strategy())
    def collect(value: Any) -> None:
        seen.append(value)

    collect()
    return seen


# -- input errors: one clear sentence each ----------------------------------------------------


def test_invalid_json_names_file_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"r\.json:3:5: invalid JSON"):
        load(tmp_path, {"r.json": '{\n  "type": "object",\n    ]\n}'})


def test_several_files_without_root_is_an_input_error_naming_them(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"several \.json files \(a\.json, b\.json\) and no root"):
        load(tmp_path, {"a.json": schema(), "b.json": schema()})


def test_root_by_file_name_in_a_subfolder(tmp_path: Path) -> None:
    codec = load(tmp_path, {"schemas/a.json": schema(x={"type": "integer"})}, root="a.json")
    assert [f.name for f in codec.root.fields] == ["x"]


def test_remote_ref_is_an_input_error_never_a_download(tmp_path: Path) -> None:
    remote = schema(x={"$ref": "https://example.com/units.json#/definitions/volt"})
    with pytest.raises(InputError, match=r"remote \$ref .*never downloads"):
        load(tmp_path, {"r.json": remote})


def test_dangling_pointer_names_file_and_ref(tmp_path: Path) -> None:
    dangling = schema(x={"$ref": "#/$defs/missing"})
    with pytest.raises(InputError, match=r"r\.json#/properties/x: \$ref '#/\$defs/missing' points"):
        load(tmp_path, {"r.json": dangling})


def test_ref_to_a_missing_file_points_nowhere(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\$ref 'units\.json' points nowhere"):
        load(tmp_path, {"r.json": schema(x={"$ref": "units.json"})})


@pytest.mark.parametrize(
    "declared", ["http://json-schema.org/draft-03/schema#", "https://example.com/my-meta"]
)
def test_unsupported_draft_is_an_input_error(tmp_path: Path, declared: str) -> None:
    text = json.dumps({"$schema": declared, "type": "object"})
    with pytest.raises(InputError, match="unsupported \\$schema"):
        load(tmp_path, {"r.json": text})


def test_schema_failing_its_meta_schema_names_the_place(tmp_path: Path) -> None:
    broken = schema("draft-04", x={"type": "object", "properties": {"required": ["a"]}})
    with pytest.raises(InputError, match=r"not a valid draft-04 schema at properties/x/properties"):
        load(tmp_path, {"r.json": broken})


def test_root_that_is_not_an_object_schema(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not an object schema"):
        load(tmp_path, {"r.json": json.dumps({"type": "array"})})


def test_keyword_the_generator_cannot_build_is_warned_once(tmp_path: Path) -> None:
    text = schema(x={"type": "integer", "not": {"const": 3}}, y={"not": {"type": "null"}})
    with pytest.warns(UserWarning, match=r"cannot construct values for not \(r\.json") as caught:
        load(tmp_path, {"r.json": text})
    assert len(caught) == 1


def test_unreachable_broken_file_does_not_stop_the_version(tmp_path: Path) -> None:
    """A file the root never references may be broken (signalk v005..v011)."""
    broken = json.dumps({"properties": {"a": {"allOf": {"bad": 1}}, "b": ["x"]}})
    codec = load(tmp_path, {"r.json": schema(x={"type": "string"}), "old.json": broken}, "r.json")
    assert [f.name for f in codec.root.fields] == ["x"]


# -- references and the model -----------------------------------------------------------------


def test_refs_resolve_by_path_across_folders_and_anchors(tmp_path: Path) -> None:
    common = json.dumps(
        {
            "$schema": DRAFTS["2020-12"],
            "$id": "https://old.example.com/v0/common/units.json",
            "$defs": {"volt": {"$anchor": "volt", "type": "number", "minimum": 0}},
        }
    )
    root = schema(
        a={"$ref": "common/units.json#/$defs/volt"},
        b={"$ref": "common/units.json#volt"},
        c={"$ref": "https://new.example.com/v1/common/units.json#/$defs/volt"},
    )
    codec = load(tmp_path, {"r.json": root, "common/units.json": common}, "r.json")
    assert [f.type for f in codec.root.fields] == ["number[0..]"] * 3
    assert all(codec.is_valid(v) for v in draw(codec, 50))


def test_one_file_reached_by_path_and_by_stale_url_resolves_its_own_refs(tmp_path: Path) -> None:
    """The validator may reach a file through a base URI the load never walked from; its
    relative refs still map to local files, offline."""
    units = json.dumps({"$defs": {"volt": {"type": "number", "minimum": 0, "maximum": 400}}})
    common = json.dumps({"$defs": {"phase": {"$ref": "units.json#/$defs/volt"}}})
    root = schema(
        a={"$ref": "defs/common.json#/$defs/phase"},
        b={"$ref": "https://stale.example.com/0.1/defs/common.json#/$defs/phase"},
    )
    files = {"r.json": root, "defs/common.json": common, "defs/units.json": units}
    codec = load(tmp_path, files, "r.json")
    assert codec.is_valid({"a": 230, "b": 230.5}) and not codec.is_valid({"b": 500})
    assert all(codec.is_valid(v) for v in draw(codec, 30))


def test_model_types_categories_and_nested_locals(tmp_path: Path) -> None:
    text = schema(
        n={"type": ["integer", "null"]},
        tags={"type": "array", "items": {"type": "string"}},
        pos={"type": "object", "properties": {"lat": {"type": "number"}}},
        free={"type": "object"},
        mode={"enum": ["a", "b"], "default": "a"},
    )
    fields = load(tmp_path, {"r.json": text}).root.by_name()
    assert (fields["n"].type, fields["n"].category) == ("integer|null", "any")
    assert (fields["tags"].type, fields["tags"].category, fields["tags"].repeated) == (
        "array<string>",
        "string",
        True,
    )
    assert fields["pos"].message is not None and fields["pos"].message.local == "#/properties/pos"
    assert fields["free"].category == "any" and fields["mode"].default == "a"
    assert all(f.presence and f.number is None for f in fields.values())


# -- the generator ----------------------------------------------------------------------------


KEYWORDS = {
    "count": {"type": "integer", "minimum": -5, "exclusiveMaximum": 40, "multipleOf": 5},
    "ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
    "name": {"type": "string", "minLength": 2, "maxLength": 6},
    "serial": {"type": "string", "pattern": "[A-F]{2}-[0-9]+"},
    "at": {"type": "string", "format": "date-time"},
    "id": {"type": "string", "format": "uuid"},
    "ip": {"type": "string", "format": "ipv4"},
    "mail": {"type": "string", "format": "email"},
    "link": {"type": "string", "format": "uri"},
    "day": {"type": "string", "format": "date"},
    "kind": {"const": "meter"},
    "mode": {"enum": ["eco", "boost", None, 3]},
    "either": {"anyOf": [{"type": "integer", "minimum": 100}, {"type": "string", "maxLength": 2}]},
    "one": {"oneOf": [{"type": "boolean"}, {"type": "null"}]},
    "both": {"allOf": [{"type": "integer"}, {"minimum": 10, "maximum": 12}]},
    "unique": {"type": "array", "items": {"enum": [1, 2, 3]}, "uniqueItems": True, "maxItems": 3},
    "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
    "labels": {
        "type": "object",
        "patternProperties": {"^x-[a-z]+$": {"type": "integer"}},
        "additionalProperties": False,
    },
    "maybe": {"type": ["number", "null"], "default": 1.5},
    "cfg": {
        "type": "object",
        "properties": {"unit": {"enum": ["W", "kW"]}, "scale": {"type": "number"}},
        "if": {"properties": {"unit": {"const": "kW"}}, "required": ["unit"]},
        "then": {"required": ["scale"], "properties": {"scale": {"minimum": 1000}}},
        "else": {"properties": {"scale": {"maximum": 10}}},
    },
    "node": {"$ref": "#/$defs/node"},
}
NODE = {
    "type": "object",
    "properties": {"next": {"$ref": "#/$defs/node"}, "v": {"type": "integer"}},
}


def test_generated_instances_are_valid_and_reach_the_edges(tmp_path: Path) -> None:
    body = json.loads(schema(**KEYWORDS))
    body["$defs"] = {"node": NODE}
    codec = load(tmp_path, {"r.json": json.dumps(body)})
    seen = draw(codec, 300)
    assert all(codec.is_valid(value) for value in seen)
    column = {key: [v[key] for v in seen if key in v] for key in KEYWORDS}
    assert all(column.values()), [k for k, v in column.items() if not v]  # each one drawn
    assert any(key not in v for v in seen for key in KEYWORDS)  # and left out
    assert any(isinstance(x, str) and x.endswith("Z") for x in column["at"])
    assert any(len(x) == 2 for x in column["pair"])


def test_generated_values_reach_every_enum_value_and_both_bounds(tmp_path: Path) -> None:
    """Required properties, so every example draws them: the edges do not depend on luck."""
    body = json.loads(schema(mode=KEYWORDS["mode"], count=KEYWORDS["count"]))
    body["required"] = ["mode", "count"]
    codec = load(tmp_path, {"r.json": json.dumps(body)})
    seen = draw(codec, 300)
    assert {"eco", "boost", None, 3} <= {_hashable(v["mode"]) for v in seen}
    assert {-5, 35} <= {v["count"] for v in seen}  # both bounds, the exclusive one excluded
    assert all(-5 <= v["count"] < 40 and v["count"] % 5 == 0 for v in seen)


def _hashable(value: Any) -> Any:
    return value if not isinstance(value, (list, dict)) else json.dumps(value)


@pytest.mark.parametrize("draft", list(DRAFTS))
def test_each_draft_fuzzes_identical_versions_clean(tmp_path: Path, draft: str) -> None:
    body = {
        "$schema": DRAFTS[draft],
        "type": "object",
        "required": ["t"],
        "properties": {
            "t": {"type": "number", "minimum": -40, "maximum": 85},
            "pair": {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]}
            if draft != "2020-12"
            else {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
            "ref": {"$ref": "#/definitions/unit"},
        },
        "definitions": {"unit": {"enum": ["C", "F"], "default": "C"}},
    }
    text = json.dumps(body)
    family = write_family(tmp_path / "fam", {"a": {"r.json": text}, "b": {"r.json": text}})
    report = fuzz_fixture(family, examples=30)
    assert report.findings == [] and report.skipped == {}


def test_candidate_single_file_is_its_own_root(tmp_path: Path) -> None:
    family = write_family(tmp_path / "fam", {"v1": {"r.json": schema(x={"type": "integer"})}})
    candidate = tmp_path / "next.json"
    candidate.write_text(schema(x={"type": "integer"}, y={"type": "string"}), encoding="utf-8")
    loaded = load_family(family, candidate=candidate)
    assert [f.name for f in loaded.version("candidate").root.fields] == ["x", "y"]
