"""The library's functions: what `import schemafuzz` offers a test suite.

Light to import: the runner (and with it Hypothesis and the codecs) is imported when a function
runs, not when `schemafuzz` is imported.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from schemafuzz._internal.catalog import Finding, Severity
from schemafuzz._internal.errors import InputError
from schemafuzz._internal.family import CANDIDATE
from schemafuzz._internal.family import load_family as _load_family
from schemafuzz._internal.model import Family, Version
from schemafuzz._internal.report import Report

DEFAULT_EXAMPLES = 50
FAIL_ON = ("error", "warning", "info", "never")


def load_family(
    path: str | Path, *, root: str | None = None, encodings: list[str] | None = None
) -> Family:
    """Load every version of the family at `path` (one folder per version, oldest first by
    natural order or as family.toml lists them). Raises `InputError` on a broken schema."""
    return _load_family(path, root=root, encodings=encodings)


def fuzz(
    family: Family,
    *,
    candidate: str | Path | Version | None = None,
    examples: int = DEFAULT_EXAMPLES,
    seed: int | None = None,
    jobs: int = 1,
) -> Report:
    """What `schemafuzz fuzz` runs: every ordered pair of versions in every encoding, or, with a
    `candidate` (a folder or schema file, or a loaded `Version`), the candidate against every
    version in both directions. The same seed (default 0) gives the same report."""
    from schemafuzz._internal.runner import RunOptions, run

    name = None
    if candidate is not None:
        family = _with_candidate(family, candidate)
        name = CANDIDATE
    options = RunOptions(examples=examples, seed=seed or 0, candidate=name, jobs=jobs)
    return run(family, options)


def check_pair(
    writer: Version,
    reader: Version,
    *,
    encoding: str,
    examples: int = DEFAULT_EXAMPLES,
    seed: int | None = None,
) -> list[Finding]:
    """Every finding of `writer`'s messages read by `reader` in `encoding`, each shrunk to a
    minimal example (warnings and errors). Versions of different families are compared as if
    `reader` were the next version of `writer`'s family."""
    from schemafuzz._internal.runner import RunOptions, run

    family = _pair_family(writer, reader)
    w, r = writer.name, reader.name
    options = RunOptions(
        examples=examples,
        seed=seed or 0,
        writers=[w],
        readers=[r],
        encodings=[encoding],
        jobs=1,
        pairs={(w, r)},
    )
    return [f for f in run(family, options).findings if (f.writer, f.reader) == (w, r)]


def assert_compatible(
    writer: Version,
    reader: Version,
    *,
    encoding: str | None = None,
    fail_on: str = "error",
    examples: int = DEFAULT_EXAMPLES,
    seed: int | None = None,
) -> None:
    """Raise `AssertionError` when `reader` loses or misreads what `writer` sends (in
    `encoding`, or in every encoding of the family) with a finding at or above `fail_on`. The
    message shows each finding's kind, path, written and read values and minimal example."""
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    family = writer.family
    if family is None:
        raise ValueError("writer is not a version of a loaded family (use load_family)")
    encodings = [encoding] if encoding is not None else [e.name for e in family.encodings]
    findings = [
        f
        for name in encodings
        for f in check_pair(writer, reader, encoding=name, examples=examples, seed=seed)
    ]
    threshold = None if fail_on == "never" else Severity.parse(fail_on)
    bad = [f for f in findings if threshold is not None and f.severity >= threshold]
    if bad:
        raise AssertionError(describe(bad, f"{writer.name} -> {reader.name}"))


def describe(findings: list[Finding], what: str) -> str:
    """Findings as readable text for an assertion message or a pytest failure."""
    lines = [f"schemafuzz: {len(findings)} finding(s) for {what}:"]
    for f in findings:
        lines.append(
            f"- {f.kind} ({f.severity.label}) at {f.path or '(message)'}, {f.encoding}: "
            f"wrote {_show(f.written)}, read {_show(f.read)}"
        )
        lines.append(f"    why: {f.explanation}")
        lines.append(f"    minimal example: {_show(f.example)}")
        if f.encoded:
            lines.append(f"    bytes: {f.encoded}")
        lines.append(f"    reproduce: {f.reproduce}")
    return "\n".join(lines)


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _with_candidate(family: Family, candidate: str | Path | Version) -> Family:
    """`family` plus a candidate version named `candidate`."""
    if isinstance(candidate, Version):
        version = replace(candidate, name=CANDIDATE, index=len(family.versions))
    else:
        from schemafuzz._internal.formats import format_module

        path = Path(candidate)
        if not path.exists():
            raise InputError(f"candidate {path} does not exist")
        codec = format_module(family.format).load_version(
            path, name=CANDIDATE, root=family.root, options=family.options
        )
        version = Version(CANDIDATE, len(family.versions), path, codec)
    originals = [replace(v) for v in family.versions]
    return replace(family, versions=[*originals, version])


def _pair_family(writer: Version, reader: Version) -> Family:
    """The family both versions belong to, or `writer`'s family with `reader` after it."""
    family = writer.family
    if family is None:
        raise ValueError("writer is not a version of a loaded family (use load_family)")
    if reader.family is family:
        return replace(family, versions=[replace(v) for v in family.versions])
    versions = [replace(v) for v in family.versions if v.index <= writer.index]
    if reader.name in {v.name for v in versions}:
        raise ValueError(f"the reader's name {reader.name!r} is already a version of the writer's")
    versions.append(replace(reader, index=len(versions)))
    return replace(family, versions=versions)
