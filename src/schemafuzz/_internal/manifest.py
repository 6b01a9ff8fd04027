"""The fleet manifest: `schemafuzz.toml`, or `[tool.schemafuzz]` in `pyproject.toml`.

It names the families (with the same keys as family.toml, which it overrides), where their
versions come from, which versions are deployed, the directions each family travels, severity
overrides, ignores and the examples budget. Every unknown key and wrong type is an `InputError`
naming the key and the file. Without a manifest, families are discovered under `schemas/`.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemafuzz._internal.catalog import KIND_BY_ID, Severity
from schemafuzz._internal.errors import InputError
from schemafuzz._internal.family import FAMILY_KEYS, _check_state_keys
from schemafuzz._internal.outcome import DIRECTIONS, Deployed

MANIFEST = "schemafuzz.toml"
BASELINE = ".schemafuzz-baseline.json"
SOURCES = ("auto", "dirs", "git")
FAIL_ON = ("error", "warning", "never")
TOP_KEYS: dict[str, type | tuple[type, ...]] = {
    "examples": int,
    "seed": int,
    "fail_on": str,
    "baseline": str,
    "severity": dict,
    "ignore": list,
    "families": dict,
}
FAMILY_ONLY_KEYS: dict[str, type | tuple[type, ...]] = {
    "path": str,
    "source": str,
    "tags": str,
    "deployed": dict,
    "directions": list,
    "severity": dict,
}
IGNORE_KEYS: dict[str, type | tuple[type, ...]] = {
    "path": str,
    "reason": str,
    "kind": str,
    "family": str,
}
DEPLOYED_KEYS: dict[str, type | tuple[type, ...]] = {"version": str, "share": (int, float)}


@dataclass
class Ignore:
    """Findings at field `path` (a glob), optionally of one kind and family, accepted for
    `reason`."""

    path: str
    reason: str
    kind: str | None = None
    family: str | None = None

    def matches(self, family: str, kind: str, path: str) -> bool:
        return (
            (self.family is None or self.family == family)
            and (self.kind is None or self.kind == kind)
            and fnmatch.fnmatchcase(path, self.path)
        )


@dataclass
class FamilySpec:
    """One family of the fleet."""

    name: str
    path: Path  # absolute
    source: str = "auto"  # dirs: one folder per version; git: versions from history
    tags: str | None = None  # git versions: one per tag matching this pattern
    deployed: list[Deployed] = field(default_factory=list)
    directions: list[str] = field(default_factory=lambda: list(DIRECTIONS))
    severity: dict[str, Severity] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)  # family.toml keys it overrides


@dataclass
class Manifest:
    file: Path | None  # None: discovered, no manifest
    root: Path
    families: list[FamilySpec]
    examples: int | None = None
    seed: int | None = None
    fail_on: str | None = None
    baseline: Path | None = None
    severity: dict[str, Severity] = field(default_factory=dict)
    ignores: list[Ignore] = field(default_factory=list)

    def family(self, name: str) -> FamilySpec:
        for spec in self.families:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def severity_of(self, family: str, kind: str) -> Severity | None:
        spec = next((s for s in self.families if s.name == family), None)
        if spec is not None and kind in spec.severity:
            return spec.severity[kind]
        return self.severity.get(kind)

    def ignored(self, family: str, kind: str, path: str) -> Ignore | None:
        return next((i for i in self.ignores if i.matches(family, kind, path)), None)


def find(root: Path, explicit: Path | None = None) -> Manifest:
    """The manifest of the repository at `root`: `explicit`, schemafuzz.toml,
    pyproject.toml's [tool.schemafuzz], or families discovered under schemas/."""
    if explicit is not None:
        if not explicit.is_file():
            raise InputError(f"manifest {explicit} does not exist")
        return _from_file(explicit, root)
    own = root / MANIFEST
    if own.is_file():
        return _from_file(own, root)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and "schemafuzz" in _read(pyproject).get("tool", {}):
        return _from_file(pyproject, root)
    return discover(root)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: {exc}") from None


def _from_file(path: Path, root: Path) -> Manifest:
    data = _read(path)
    where = str(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("schemafuzz", {})
        where = f"{path} [tool.schemafuzz]"
    _check_keys(data, TOP_KEYS, where, "")
    manifest = Manifest(
        file=path,
        root=root,
        families=[],
        examples=data.get("examples"),
        seed=data.get("seed"),
        fail_on=data.get("fail_on"),
        severity=_severities(data.get("severity", {}), where, "severity"),
    )
    if manifest.examples is not None and manifest.examples < 1:
        raise InputError(f"{where}: key 'examples' must be at least 1")
    if manifest.fail_on is not None and manifest.fail_on not in FAIL_ON:
        raise InputError(f"{where}: key 'fail_on' must be one of {', '.join(FAIL_ON)}")
    if "baseline" in data:
        manifest.baseline = _inside(root, data["baseline"], where, "baseline")
    for i, entry in enumerate(data.get("ignore", [])):
        key = f"ignore[{i}]"
        if not isinstance(entry, dict):
            raise InputError(f"{where}: {key} must be a table (path, reason, kind, family)")
        _check_keys(entry, IGNORE_KEYS, where, f"{key}.")
        for needed in ("path", "reason"):
            if not entry.get(needed):
                raise InputError(f"{where}: {key} needs {needed!r}")
        if "kind" in entry and entry["kind"] not in KIND_BY_ID:
            raise InputError(f"{where}: {key}.kind {entry['kind']!r} is not a finding kind")
        manifest.ignores.append(Ignore(**entry))
    for name, entry in data.get("families", {}).items():
        manifest.families.append(_family(name, entry, root, where))
    if not manifest.families:
        manifest.families = discover(root).families
    return manifest


def _family(name: str, entry: Any, root: Path, where: str) -> FamilySpec:
    key = f"families.{name}"
    if not isinstance(entry, dict):
        raise InputError(f"{where}: {key} must be a table")
    _check_keys(entry, {**FAMILY_ONLY_KEYS, **FAMILY_KEYS}, where, f"{key}.")
    config = {k: v for k, v in entry.items() if k in FAMILY_KEYS}
    _check_state_keys(config, Path(f"{where}: {key}"))
    spec = FamilySpec(
        name=name,
        path=_inside(root, entry.get("path", f"schemas/{name}"), where, f"{key}.path"),
        source=entry.get("source", "auto"),
        tags=entry.get("tags"),
        severity=_severities(entry.get("severity", {}), where, f"{key}.severity"),
        config=config,
    )
    if spec.source not in SOURCES:
        raise InputError(f"{where}: {key}.source must be one of {', '.join(SOURCES)}")
    directions = entry.get("directions", list(DIRECTIONS))
    if not directions or any(d not in DIRECTIONS for d in directions):
        raise InputError(f"{where}: {key}.directions must list 'uplink' and/or 'downlink'")
    spec.directions = [d for d in DIRECTIONS if d in directions]
    for label, value in entry.get("deployed", {}).items():
        spec.deployed.append(_deployed(label, value, where, f"{key}.deployed.{label}"))
    return spec


def _deployed(label: str, value: Any, where: str, key: str) -> Deployed:
    if isinstance(value, str):
        return Deployed(value, label)
    if not isinstance(value, dict):
        raise InputError(f"{where}: {key} must be a version name or {{ version, share }}")
    _check_keys(value, DEPLOYED_KEYS, where, f"{key}.")
    if "version" not in value:
        raise InputError(f"{where}: {key} needs 'version'")
    share = value.get("share")
    if share is not None and not 0 <= share <= 1:
        raise InputError(f"{where}: {key}.share must be between 0 and 1")
    return Deployed(value["version"], label, float(share) if share is not None else None)


def _check_keys(
    data: dict[str, Any], known: dict[str, type | tuple[type, ...]], where: str, prefix: str
) -> None:
    for key, value in data.items():
        expected = known.get(key)
        if expected is None:
            raise InputError(
                f"{where}: unknown key {prefix}{key!r} (known keys: {', '.join(known)})"
            )
        if isinstance(value, bool) and expected is not bool or not isinstance(value, expected):
            kind = expected.__name__ if isinstance(expected, type) else "number"
            raise InputError(f"{where}: key {prefix}{key!r} must be a {kind}")


def _severities(table: dict[str, Any], where: str, key: str) -> dict[str, Severity]:
    out: dict[str, Severity] = {}
    for kind_id, label in table.items():
        if kind_id not in KIND_BY_ID:
            raise InputError(f"{where}: {key}.{kind_id} is not a finding kind")
        try:
            out[kind_id] = Severity.parse(str(label))
        except (KeyError, ValueError):
            raise InputError(
                f"{where}: {key}.{kind_id} must be error, warning or info, not {label!r}"
            ) from None
    return out


def _inside(root: Path, value: str, where: str, key: str) -> Path:
    """A path from the manifest, which must stay inside the repository."""
    path = (root / value).resolve()
    if not path.is_relative_to(root.resolve()):
        raise InputError(f"{where}: {key} {value!r} leads outside the repository")
    return path


def discover(root: Path) -> Manifest:
    """Families under schemas/: each folder with version sub-folders or schema files."""
    base = root / "schemas"
    families: list[FamilySpec] = []
    if base.is_dir():
        for child in sorted(base.iterdir()):
            if child.is_dir() and not child.name.startswith("."):
                families.append(FamilySpec(name=child.name, path=child.resolve()))
    if not families:
        raise InputError(
            f"no {MANIFEST} (or [tool.schemafuzz] in pyproject.toml) in {root}, "
            "and no families under schemas/"
        )
    return Manifest(file=None, root=root, families=families)
