"""Corpora on disk: captured messages and saved regression examples, one folder per writer.

A corpus of a family is a directory holding one folder per **writer** version; every file in it
(at any depth) is one encoded message, and its extension names the encoding: `.bin` the format's
binary encoding, `.json` its JSON encoding, `.cbor` CBOR. Files whose name starts with a dot
(temporary files of an interrupted save, `.gitkeep`) and `README.md` files are not messages.

Reading never stops at a bad file: each one becomes an `Unreadable` entry with a one-line reason,
so a replay checks every good file and still names every bad one. Saving writes each file
atomically, so an interrupted `fuzz --save-corpus` never leaves half a message that a later
replay would call corrupt.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemafuzz._internal.catalog import Finding, Severity
from schemafuzz._internal.errors import InputError
from schemafuzz._internal.model import Encoding, Family, Version

# Encoding -> file extension. One format never has two encodings on one extension.
EXTENSIONS: dict[str, str] = {
    "proto-binary": ".bin",
    "avro-binary": ".bin",
    "proto-json": ".json",
    "avro-json": ".json",
    "json": ".json",
    "cbor": ".cbor",
}
NOT_MESSAGES = ("README.md",)
# The kinds one message shows, and so a replay of one file can show again. State and relay
# findings need a sequence of messages or a re-encoding: their example is not one file.
MESSAGE_KINDS = frozenset(
    {
        "decode-error",
        "value-changed",
        "field-dropped",
        "field-unknown",
        "field-reused",
        "default-injected",
        "enum-unknown",
        "presence-lost",
    }
)
_SLUG = re.compile(r"[^A-Za-z0-9_]+")


@dataclass(frozen=True)
class CorpusEntry:
    """One message of a corpus: the file name relative to the corpus, who wrote it, its bytes."""

    name: str
    writer: Version
    encoding: Encoding
    data: bytes


@dataclass(frozen=True)
class Unreadable:
    """A corpus file that cannot be replayed, and why (one line)."""

    name: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"file": self.name, "reason": self.reason}


@dataclass
class Corpus:
    """A corpus as read: the replayable entries (by file name) and the files that are not."""

    entries: list[CorpusEntry] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)


def extension(encoding: str) -> str:
    """The file extension of an encoding (`proto-binary` -> `.bin`)."""
    try:
        return EXTENSIONS[encoding]
    except KeyError:
        raise InputError(f"encoding {encoding!r} has no corpus file extension") from None


def _by_extension(family: Family) -> dict[str, Encoding]:
    return {extension(e.name): e for e in family.encodings}


def _expected(family: Family) -> str:
    return " or ".join(f"{ext} ({e.name})" for ext, e in _by_extension(family).items())


def _is_message(path: Path) -> bool:
    return not path.name.startswith(".") and path.name not in NOT_MESSAGES


def _files(root: Path) -> list[Path]:
    """Every message file under `root`, sorted by relative name, skipping hidden folders."""
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts[:-1]):
            continue
        if path.is_file() and _is_message(path):
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def read_corpus(family: Family, root: str | Path, only: Iterable[str] | None = None) -> Corpus:
    """Every file under `root` as an entry, or as unreadable with the reason.

    `only` restricts the corpus to these file names (relative to `root`); a name that is not a
    file of the corpus is an input error, since the user asked for it by name.
    """
    root = Path(root)
    if not root.is_dir():
        missing = "it does not exist; " if not root.exists() else ""
        raise InputError(
            f"{root}: not a directory ({missing}a corpus holds one folder per writer version)"
        )
    files = _files(root)
    if only is not None:
        wanted = {_relative(root, name) for name in only}
        names = {p.relative_to(root).as_posix() for p in files}
        absent = sorted(wanted - names)
        if absent:
            raise InputError(f"{root}: no corpus file {', '.join(absent)}")
        files = [p for p in files if p.relative_to(root).as_posix() in wanted]
    corpus = Corpus()
    versions = {v.name: v for v in family.versions}
    encodings = _by_extension(family)
    inside = root.resolve()
    for path in files:
        name = path.relative_to(root).as_posix()
        if not path.resolve().is_relative_to(inside):
            # A corpus cannot make schemafuzz read files elsewhere on the machine.
            corpus.unreadable.append(
                Unreadable(name, "a symbolic link that leads outside the corpus; not read")
            )
            continue
        entry = _entry(family, path, name, versions, encodings)
        if isinstance(entry, Unreadable):
            corpus.unreadable.append(entry)
        else:
            corpus.entries.append(entry)
    return corpus


def _relative(root: Path, name: str) -> str:
    """A `--file` as a corpus name: given relative to the corpus, or as a path into it."""
    path = Path(name)
    if path.is_file():
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _entry(
    family: Family,
    path: Path,
    name: str,
    versions: dict[str, Version],
    encodings: dict[str, Encoding],
) -> CorpusEntry | Unreadable:
    """The entry for one file, or why it is not one (a folder or extension that names nothing)."""
    parts = name.split("/")
    if len(parts) == 1:
        return Unreadable(
            name, "not inside a version folder (a corpus holds <version>/<message> files)"
        )
    writer = versions.get(parts[0])
    if writer is None:
        known = ", ".join(versions)
        return Unreadable(
            name, f"folder {parts[0]!r} names no version of {family.name} (versions: {known})"
        )
    encoding = encodings.get(path.suffix)
    if encoding is None:
        shown = repr(path.suffix) if path.suffix else "no extension"
        return Unreadable(name, f"unknown extension {shown} (expected {_expected(family)})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Unreadable(name, f"cannot read it: {exc.strerror or exc}")
    return CorpusEntry(name, writer, encoding, data)


# ---------------------------------------------------------------------------------------------
# Saving findings as regression entries


def slug(text: str) -> str:
    """A file-name-safe form of a field path or version name (`samples[i].delta` ->
    `samples-i-delta`); the empty path (the whole message) is `message`."""
    return _SLUG.sub("-", text).strip("-") or "message"


def short_hash(data: bytes) -> str:
    """Ten hex digits of SHA-256: names differ whenever the bytes do, and stay short."""
    return hashlib.sha256(data).hexdigest()[:10]


def entry_name(finding: Finding, data: bytes) -> str:
    """`<kind>-<reader>-<path-slug>-<short hash>.<ext>`: readable in a listing, unique per bytes."""
    parts = (finding.kind, slug(finding.reader), slug(finding.path), short_hash(data))
    return "-".join(parts) + extension(finding.encoding)


@dataclass
class Saved:
    """What `save_findings` did: files written, findings whose bytes were already saved, and
    findings it could not save (no encoded bytes, or a writer that is no version of the family)."""

    written: list[Path] = field(default_factory=list)
    duplicates: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # why not saved: how many findings


def _existing(folder: Path, ext: str) -> set[bytes]:
    """The bytes already saved in a writer's folder for one extension: saving twice adds nothing."""
    if not folder.is_dir():
        return set()
    return {p.read_bytes() for p in folder.iterdir() if p.is_file() and p.suffix == ext}


def save_findings(
    family: Family,
    findings: Iterable[Finding],
    directory: str | Path,
    candidate: str | None = None,
) -> Saved:
    """Write each warning and error finding's minimal example into `directory/<writer>/`.

    Identical bytes of one writer and encoding are saved once (several readers and paths are
    usually shown by the same minimal example), also across runs into the same directory.
    `candidate` names the candidate version of the run, if any: it has no folder in a corpus of
    the family until it becomes a version, so its examples are not saved.
    """
    directory = Path(directory)
    names = {v.name for v in family.versions} - {candidate}
    saved = Saved()
    known: dict[tuple[str, str], set[bytes]] = {}
    for finding in findings:
        if finding.severity < Severity.WARNING:
            continue
        why = _unsaveable(finding, names)
        if why:
            saved.skipped[why] = saved.skipped.get(why, 0) + 1
            continue
        data = bytes.fromhex(finding.encoded)
        folder = directory / finding.writer
        ext = extension(finding.encoding)
        seen = known.setdefault((finding.writer, ext), _existing(folder, ext))
        if data in seen:
            saved.duplicates += 1
            continue
        seen.add(data)
        saved.written.append(write_bytes_atomic(folder / entry_name(finding, data), data))
    return saved


def _unsaveable(finding: Finding, versions: set[str]) -> str:
    """Why a finding cannot become a corpus file, or "" when it can."""
    if finding.kind not in MESSAGE_KINDS:
        return "its example is a message sequence, not one message"
    if finding.writer not in versions:
        return f"the writer {finding.writer!r} is no version of the family (no folder to save in)"
    if not finding.encoded:
        return "the writer could not encode its example"
    return ""


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Atomically, so a replay never sees half a message (reporting.files.write_atomic)."""
    from schemafuzz._internal.reporting.files import write_atomic

    write_atomic(path, data)
    return path
