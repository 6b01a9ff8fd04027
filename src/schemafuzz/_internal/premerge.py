"""The pre-merge check: the working tree's version of each changed family (the candidate),
fuzzed against the fleet's deployed versions as they are at a base ref, in each direction the
family travels; findings judged against the manifest's ignores and the baseline.

Only pairs that involve the candidate run: what older versions do to each other is history,
not this change's fault. Versions at the base are read with git (never checked out) into a
temporary directory that lives as long as the check.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from schemafuzz._internal import baseline as baseline_file
from schemafuzz._internal.catalog import Finding
from schemafuzz._internal.errors import InputError
from schemafuzz._internal.family import CANDIDATE, _version_entries, load_family, natural_key
from schemafuzz._internal.gitsource import Git
from schemafuzz._internal.manifest import BASELINE, FamilySpec, Manifest, find
from schemafuzz._internal.model import Family
from schemafuzz._internal.outcome import (
    BASELINED,
    DOWNLINK,
    IGNORED,
    NEW,
    UPLINK,
    Deployed,
    FamilyOutcome,
    Outcome,
    Verdict,
    direction_of,
    fails,
    locate,
    shown_path,
)
from schemafuzz._internal.report import Report
from schemafuzz._internal.runner import DEFAULT_EXAMPLES, ProgressCallback, RunOptions, run

SCHEMA_SUFFIXES = (".proto", ".avsc", ".json", ".binpb", ".pb", ".desc")


@dataclass
class CheckOptions:
    base: str = "HEAD"
    manifest: Path | None = None
    examples: int | None = None  # None: the manifest's, else the default
    seed: int | None = None
    fail_on: str | None = None
    jobs: int = 0
    families: list[str] | None = None  # only these families (--family)
    writers: list[str] | None = None
    readers: list[str] | None = None
    encodings: list[str] | None = None
    baseline: Path | None = None  # default: the manifest's, else .schemafuzz-baseline.json
    use_baseline: bool = True
    every_family: bool = False  # `baseline`: each family, changed or not
    notes: list[str] = field(default_factory=list)  # what the check skipped, and why


@dataclass
class _Loaded:
    spec: FamilySpec
    family: Family
    deployed: list[Deployed]


class _Exports:
    """Temporary copies of versions read from git, and the names their paths stand for."""

    def __init__(self, git: Git, directory: Path) -> None:
        self.git = git
        self.directory = directory
        self.labels: dict[str, str] = {}

    def export(self, commit: str, rel: str, label: str) -> Path:
        dest = self.directory / str(len(self.labels))
        self.labels[f"{dest}/"] = f"{label}:"
        return self.git.export(commit, rel, dest)

    @contextmanager
    def readable_errors(self) -> Iterator[None]:
        """Input errors name `<version>:<repository path>`, not the temporary copy."""
        try:
            yield
        except InputError as exc:
            message = str(exc)
            for prefix, label in self.labels.items():
                message = message.replace(prefix, label)
            if message == str(exc):
                raise
            raise InputError(message) from None


def check(
    cwd: Path, options: CheckOptions, progress: ProgressCallback | None = None
) -> tuple[Outcome, Manifest]:
    git = Git(cwd)
    manifest = find(git.root, options.manifest)
    commit = git.resolve(options.base)
    fail_on = options.fail_on or manifest.fail_on or "error"
    examples = options.examples or manifest.examples or DEFAULT_EXAMPLES
    seed = options.seed if options.seed is not None else (manifest.seed or 0)
    baseline_path = options.baseline or manifest.baseline or git.root / BASELINE
    accepted = baseline_file.load(baseline_path) if options.use_baseline else []
    specs = manifest.families
    if options.families:
        known = [s.name for s in specs]
        unknown = [f for f in options.families if f not in known]
        if unknown:
            raise InputError(f"unknown family {', '.join(unknown)} (known: {', '.join(known)})")
        specs = [s for s in specs if s.name in options.families]
    outcome = Outcome(
        "check",
        [],
        fail_on=fail_on,
        examples=examples,
        seed=seed,
        base=options.base,
        baseline=str(baseline_path) if accepted else None,
    )
    accepted_keys = {baseline_file.key(e) for e in accepted}
    seen_keys: set[baseline_file.Fingerprint] = set()
    with tempfile.TemporaryDirectory(prefix="schemafuzz-") as tmp:
        exports = _Exports(git, Path(tmp))
        for spec in specs:
            loaded = _load(git, exports, spec, commit, options)
            if loaded is None:
                outcome.unchanged.append(spec.name)
                continue
            run_options = RunOptions(
                examples=examples,
                seed=seed,
                writers=options.writers,
                readers=options.readers,
                encodings=options.encodings,
                candidate=CANDIDATE,
                jobs=options.jobs,
                pairs=_pairs(loaded),
                reproduce_prefix=[
                    "schemafuzz",
                    "check",
                    "--base",
                    commit[:12],
                    "--family",
                    spec.name,
                ],
            )
            report = run(loaded.family, run_options, progress)
            family_outcome = _judge(loaded, report, manifest, fail_on, accepted_keys, git.root)
            seen_keys.update(baseline_file.key(v.fingerprint()) for v in family_outcome.verdicts)
            outcome.families.append(family_outcome)
            if report.interrupted:  # Ctrl-C: report what was found, check nothing more
                break
    checked = {f.name for f in outcome.families}
    if not (options.writers or options.readers or options.encodings or outcome.interrupted):
        outcome.stale = [
            e
            for e in accepted
            if e.get("family") in checked and baseline_file.key(e) not in seen_keys
        ]
    return outcome, manifest


def _load(
    git: Git, exports: _Exports, spec: FamilySpec, commit: str, options: CheckOptions
) -> _Loaded | None:
    """The family at the base with the working tree's version as candidate; None when the
    family has not changed (or has nothing deployed to check against)."""
    rel = git.relative(spec.path)
    at_base = git.tracked(rel, commit)
    if not spec.path.exists():
        if at_base:
            options.notes.append(f"{spec.name}: {rel} was deleted; nothing to check")
            return None
        raise InputError(f"family {spec.name}: {rel} does not exist")
    changed = git.changed(rel, commit)
    if not at_base:
        if not git.text("ls-files", "--", rel).strip():
            raise InputError(
                f"family {spec.name}: {rel} is not in git (neither at {options.base} nor added)"
            )
        options.notes.append(f"{spec.name}: new at {options.base}; no fleet versions to check")
        return None
    if not changed and not options.every_family:
        return None
    source = spec.source
    if source == "auto":
        source = "dirs" if _has_version_folders(spec.path) else "git"
    label = options.base
    with exports.readable_errors():
        if source == "dirs":
            base_dir = exports.export(commit, rel, label)
            own = spec.path / "family.toml"
            (base_dir / "family.toml").unlink(missing_ok=True)
            if own.is_file():
                (base_dir / "family.toml").write_bytes(own.read_bytes())
            candidate = _candidate_folder(spec.path, rel, changed)
            family = load_family(base_dir, candidate=candidate, config=spec.config, name=spec.name)
        else:
            history = git.history(rel, commit, spec.tags)
            if not history:
                what = f"tags matching {spec.tags!r}" if spec.tags else "commits"
                raise InputError(f"family {spec.name}: no {what} for {rel} up to {options.base}")
            sources = [(v.name, exports.export(v.commit, rel, v.name)) for v in history]
            config_dir = spec.path if spec.path.is_dir() else spec.path.parent
            family = load_family(
                config_dir,
                candidate=spec.path,
                config=spec.config,
                sources=sources,
                name=spec.name,
            )
    versions = [v.name for v in family.versions if v.name != CANDIDATE]
    for item in spec.deployed:
        if item.version not in versions:
            where = f"families.{spec.name}.deployed.{item.label or item.version}"
            raise InputError(
                f"manifest {where}: {item.version!r} is not a version of {spec.name} at "
                f"{options.base} (versions: {', '.join(versions[-8:])})"
            )
    deployed = spec.deployed or [Deployed(v) for v in versions]
    return _Loaded(spec, family, deployed)


def _has_version_folders(path: Path) -> bool:
    if path.is_file():
        return False
    top = [p for p in path.iterdir() if p.is_file() and p.suffix in SCHEMA_SUFFIXES]
    return not top and bool(_version_entries(path))


def _candidate_folder(path: Path, rel: str, changed: list[str]) -> Path:
    """The newest version folder that changed; the newest folder when only family.toml did."""
    entries = _version_entries(path)
    if not entries:
        raise InputError(f"{path}: no versions (expected one sub-directory per version)")
    touched = {c[len(rel) + 1 :].split("/")[0] for c in changed}
    names = sorted((n for n in entries if n in touched), key=natural_key)
    return entries[names[-1] if names else sorted(entries, key=natural_key)[-1]]


def _pairs(loaded: _Loaded) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for item in loaded.deployed:
        if UPLINK in loaded.spec.directions:
            pairs.add((item.version, CANDIDATE))
        if DOWNLINK in loaded.spec.directions:
            pairs.add((CANDIDATE, item.version))
    if loaded.family.state is not None:
        pairs.add((CANDIDATE, CANDIDATE))  # state-hazard: the candidate against itself
    return pairs


def _judge(
    loaded: _Loaded,
    report: Report,
    manifest: Manifest,
    fail_on: str,
    accepted: set[baseline_file.Fingerprint],
    root: Path,
) -> FamilyOutcome:
    """Severity overrides, then each finding: ignored, baselined or new."""
    family = loaded.family
    report.findings = [_override(f, manifest) for f in report.findings]
    report.mark_pairs()  # cells show the worst severity after the manifest's overrides
    candidate = family.version(CANDIDATE)
    verdicts = []
    for finding in report.findings:
        direction, deployed = direction_of(finding, CANDIDATE)
        verdict = Verdict(
            finding,
            direction=direction,
            deployed=deployed,
            location=locate(candidate, finding.path, root),
        )
        ignore = manifest.ignored(finding.family, finding.kind, finding.path)
        if ignore is not None:
            verdict.status, verdict.reason = IGNORED, ignore.reason
        elif baseline_file.key(verdict.fingerprint()) in accepted:
            verdict.status, verdict.reason = BASELINED, "in the baseline"
        else:
            verdict.status = NEW
            verdict.fails = fails(finding.severity, fail_on)
        verdicts.append(verdict)
    return FamilyOutcome(
        report=report,
        format=family.format,
        verdicts=verdicts,
        candidate=CANDIDATE,
        candidate_path=shown_path(candidate.path, root),
        deployed=loaded.deployed if loaded.spec.deployed else [],
        directions=list(loaded.spec.directions),
    )


def _override(finding: Finding, manifest: Manifest) -> Finding:
    severity = manifest.severity_of(finding.family, finding.kind)
    return finding if severity is None else replace(finding, severity=severity)
