"""Loading a schema family from disk: its versions in order, family.toml, and a candidate.

A family directory holds one sub-directory per version (natural sort: `v2 < v10`,
`fw-2.9 < fw-2.10`, unless family.toml lists `versions`), or precompiled descriptor sets named
after their version (`v7.binpb`). Each version is loaded once, by its format.
"""

from __future__ import annotations

import errno
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from schemafuzz._internal.errors import InputError
from schemafuzz._internal.formats import EXTENSION_FORMATS, format_module
from schemafuzz._internal.model import Family, StateConfig, Version

CANDIDATE = "candidate"
FAMILY_KEYS: dict[str, type | tuple[type, ...]] = {
    "format": str,
    "root": str,
    "encodings": list,
    "versions": list,
    "proto_json_unknown": str,
    "state": str,
    "state_fields": dict,
    "reconnect": str,
    "delivery": str,
    "ordering": dict,
    "relay": list,
}
STATE_CHOICES = {
    "state": ("replace", "merge"),
    "reconnect": ("snapshot",),
    "delivery": ("exactly-once", "at-least-once"),
}
FORMATS = ("proto", "avro", "jsonschema")
_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> list[tuple[int, int | str]]:
    """Digit runs compare as numbers: v2 < v10, fw-2.9 < fw-2.10."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(name) if part]


def read_config(path: Path) -> dict[str, Any]:
    """family.toml, checked: unknown keys and wrong types name the key and the file."""
    config_path = path / "family.toml"
    if not config_path.is_file():
        return {}
    try:
        config = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{config_path}: {exc}") from None
    for key, value in config.items():
        expected = FAMILY_KEYS.get(key)
        if expected is None:
            known = ", ".join(FAMILY_KEYS)
            raise InputError(f"{config_path}: unknown key {key!r} (known keys: {known})")
        if not isinstance(value, expected):
            kind = expected.__name__ if isinstance(expected, type) else "value"
            raise InputError(f"{config_path}: key {key!r} must be a {kind}")
    _check_state_keys(config, config_path)
    if "format" in config and config["format"] not in FORMATS:
        raise InputError(
            f"{config_path}: format {config['format']!r} is not one of {', '.join(FORMATS)}"
        )
    return config


def _check_state_keys(config: dict[str, Any], where: Path) -> None:
    for key, allowed in STATE_CHOICES.items():
        if key in config and config[key] not in allowed:
            choices = " or ".join(repr(a) for a in allowed)
            raise InputError(f"{where}: {key} must be {choices}, not {config[key]!r}")
    for name, mode in config.get("state_fields", {}).items():
        if mode not in STATE_CHOICES["state"]:
            raise InputError(f"{where}: state_fields.{name} must be 'replace' or 'merge'")
    ordering = config.get("ordering")
    if ordering is not None and (
        set(ordering) != {"field"} or not isinstance(ordering["field"], str)
    ):
        raise InputError(f'{where}: ordering must be {{ field = "name" }}')
    for relay in config.get("relay", []):
        if (
            not isinstance(relay, dict)
            or set(relay) != {"via"}
            or not isinstance(relay["via"], str)
        ):
            raise InputError(f'{where}: each [[relay]] must be {{ via = "version" }}')


def state_config(config: dict[str, Any]) -> StateConfig | None:
    """The family's state semantics, or None when family.toml declares none."""
    keys = ("state", "state_fields", "reconnect", "delivery", "ordering")
    if not any(key in config for key in keys):
        return None
    return StateConfig(
        semantics=config.get("state", "replace"),
        fields=dict(config.get("state_fields", {})),
        reconnect=config.get("reconnect"),
        delivery=config.get("delivery", "exactly-once"),
        ordering=(config.get("ordering") or {}).get("field"),
    )


def _version_entries(path: Path) -> dict[str, Path]:
    entries: dict[str, Path] = {}
    for child in path.iterdir():
        if child.name.startswith(".") or child.name == "family.toml":
            continue
        if child.is_symlink():
            _check_link(child)
        if child.is_dir():
            entries[child.name] = child
        elif child.suffix in (".binpb", ".pb", ".desc"):
            entries[child.stem] = child
    return entries


def _check_link(link: Path) -> None:
    """A symbolic link must end somewhere, and not at a folder that holds the link itself."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop, before Python 3.13
        looping = isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP
        problem = "a symbolic link loop" if looping else "a symbolic link to nothing"
        raise InputError(f"{link}: {problem} (it points at {os.readlink(link)!r})") from None
    here = link.parent.resolve()
    if target.is_dir() and (target == here or target in here.parents):
        raise InputError(
            f"{link}: a symbolic link loop (it points at {os.readlink(link)!r}, "
            "a folder that holds the link itself)"
        )


def _check_links(version: Path) -> None:
    """Every symbolic link inside a version folder ends somewhere outside itself: a loop or a
    dangling link would otherwise be skipped without a word."""
    if not version.is_dir():
        return
    for child in version.rglob("*"):
        if child.is_symlink():
            _check_link(child)


def _ordered(entries: dict[str, Path], listed: list[Any] | None, where: Path) -> list[str]:
    if listed is None:
        return sorted(entries, key=natural_key)
    missing = [str(name) for name in listed if name not in entries]
    if missing:
        raise InputError(
            f"{where / 'family.toml'}: versions {', '.join(missing)} have no folder in {where}"
        )
    return [str(name) for name in listed]


def detect_format(paths: list[Path]) -> str:
    found: set[str] = set()
    for path in paths:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        formats = {EXTENSION_FORMATS[p.suffix] for p in files if p.suffix in EXTENSION_FORMATS}
        if not formats:
            raise InputError(
                f"version {path.name}: no schema files (.proto, .avsc, .json) in {path}"
            )
        found.update(formats)
    if len(found) > 1:
        raise InputError(
            f"schema files of several formats ({', '.join(sorted(found))}); "
            "set format in family.toml"
        )
    return found.pop()


def load_family(
    path: str | Path,
    *,
    root: str | None = None,
    encodings: list[str] | None = None,
    candidate: str | Path | None = None,
    config: dict[str, Any] | None = None,
    sources: list[tuple[str, Path]] | None = None,
    name: str | None = None,
) -> Family:
    """Load every version of the family at `path` (and a candidate version, named `candidate`).

    `config` overrides family.toml key by key (a manifest's family entry, already checked);
    `sources` gives the versions explicitly as (name, path), oldest first (versions from git),
    instead of the sub-directories of `path`; `name` names the family (default: the folder).
    """
    path = Path(path)
    if not path.is_dir():
        missing = "it does not exist; " if not path.exists() else ""
        raise InputError(
            f"{path}: not a directory ({missing}a family holds one folder per version)"
        )
    config = {**read_config(path), **(config or {})}
    if sources is None:
        entries = _version_entries(path)
        if not entries:
            raise InputError(f"{path}: no versions (expected one sub-directory per version)")
        names = _ordered(entries, config.get("versions"), path)
        sources = [(n, entries[n]) for n in names]
    for _, where in sources:
        _check_links(where)
    names = [n for n, _ in sources]
    candidate_path = Path(candidate) if candidate is not None else None
    if candidate_path is not None and not candidate_path.exists():
        raise InputError(f"candidate {candidate_path} does not exist")
    fmt = config.get("format") or detect_format([p for _, p in sources])
    module = format_module(fmt)
    options = {k: v for k, v in config.items() if k in module.OPTIONS}
    for key, value in options.items():
        if value not in module.OPTIONS[key]:
            allowed = " or ".join(repr(v) for v in module.OPTIONS[key])
            raise InputError(f"{path / 'family.toml'}: {key} must be {allowed}, not {value!r}")
    root = root or config.get("root")
    sources = list(sources)
    if candidate_path is not None:
        sources.append((CANDIDATE, candidate_path))
    versions = [
        Version(n, i, where, module.load_version(where, name=n, root=root, options=options))
        for i, (n, where) in enumerate(sources)
    ]
    relays = [str(r["via"]) for r in config.get("relay", [])]
    unknown = [r for r in relays if r not in names]
    if unknown:
        raise InputError(f"{path / 'family.toml'}: relay via unknown version {', '.join(unknown)}")
    return Family(
        name=name or path.resolve().name,
        path=path,
        format=fmt,
        versions=versions,
        encodings=_encodings(module, encodings or config.get("encodings"), path),
        root=root,
        options=options,
        state=state_config(config),
        relays=relays,
    )


def _encodings(module: Any, wanted: list[Any] | None, path: Path) -> list[Any]:
    available = {e.name: e for e in module.ENCODINGS}
    if not wanted:
        return list(module.ENCODINGS)
    unknown = [str(w) for w in wanted if w not in available]
    if unknown:
        raise InputError(
            f"{path}: unknown encoding {', '.join(unknown)} for format {module.FORMAT} "
            f"(known: {', '.join(available)})"
        )
    return [available[str(w)] for w in wanted]
