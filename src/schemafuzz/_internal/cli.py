"""The command line: `schemafuzz fuzz | replay | versions | kinds`.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 usage or input error
(one clear line, no traceback unless --debug), and for `replay` a corpus file that could not be
replayed (after the report is written); 3 an internal error of schemafuzz itself.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from schemafuzz._internal.catalog import KINDS, Severity
from schemafuzz._internal.errors import InputError
from schemafuzz._internal.model import (
    AVRO_MAX_DEPTH,
    JSON_MAX_DEPTH,
    MAX_DEPTH,
    MAX_MESSAGE_BYTES,
    MAX_SEQUENCE,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Fuzz every version of a schema family against every other: find silent data loss.",
)
FAIL_ON = ("error", "warning", "never")
INTERRUPTED = 130  # Ctrl-C: the findings so far were reported (the shell's code for SIGINT)

Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
Root = Annotated[
    str | None, typer.Option("--root", help="The root message (overrides family.toml).")
]
ReportFormat = Annotated[str, typer.Option(help="Report format: text or json.")]
Output = Annotated[Path | None, typer.Option(help="Write the report to this file.")]
FailOn = Annotated[
    str, typer.Option(help="Exit 1 on findings at or above: error, warning or never.")
]
Reports = Annotated[
    list[str] | None,
    typer.Option(
        "--report",
        help="Report format: text, json, junit, sarif, markdown or html (repeatable).",
    ),
]
Outputs = Annotated[
    list[Path] | None,
    typer.Option(
        "--output",
        help="Write the report to this file (repeatable: paired with --report in order).",
    ),
]


@contextmanager
def _errors(debug: bool) -> Iterator[None]:
    """Input errors: one line and exit 2; anything else is our bug: exit 3."""
    try:
        yield
    except InputError as exc:
        if debug:
            raise
        typer.echo(f"schemafuzz: error: {exc}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        # Ctrl-C during a run is handled by the runner (what finished is reported, exit 130);
        # before one started (loading, compiling) there is nothing to report, same exit code.
        typer.echo("schemafuzz: interrupted", err=True)
        raise typer.Exit(INTERRUPTED) from None
    except (typer.Exit, typer.Abort):
        raise
    except OSError as exc:  # a file the input names cannot be read or written
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename is not None else ""
        typer.echo(f"schemafuzz: error: {where}{exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
    except Exception as exc:
        if debug:
            raise
        typer.echo(
            f"schemafuzz: internal error: {type(exc).__name__}: {exc} "
            "(run again with --debug for the traceback)",
            err=True,
        )
        raise typer.Exit(3) from None


def _progress() -> tuple[Callable[[int, int, str], None] | None, Callable[[], None]]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    bar.start()
    task = bar.add_task("fuzzing", total=None)

    def update(done: int, total: int, what: str) -> None:
        bar.update(task, completed=done, total=total, description=what)

    return update, bar.stop


@app.command()
def fuzz(
    family: Annotated[Path, typer.Argument(help="The family directory (one folder per version).")],
    candidate: Annotated[
        Path | None,
        typer.Option(help="A new version (folder or schema file) to check against every version."),
    ] = None,
    examples: Annotated[
        int | None, typer.Option(help="Examples generated per writer and encoding (default 50).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same report.")] = 0,
    writer: Annotated[list[str] | None, typer.Option(help="Only this writer (repeatable).")] = None,
    reader: Annotated[list[str] | None, typer.Option(help="Only this reader (repeatable).")] = None,
    encoding: Annotated[
        list[str] | None, typer.Option(help="Only this encoding (repeatable).")
    ] = None,
    root: Root = None,
    report: Reports = None,
    output: Outputs = None,
    fail_on: Annotated[
        str, typer.Option(help="Exit 1 on findings at or above: error, warning or never.")
    ] = "error",
    show_info: Annotated[
        bool, typer.Option("--show-info", help="Shrink and show info findings too.")
    ] = False,
    jobs: Annotated[
        int, typer.Option(help="Worker processes (0: one per CPU core; 1: in this process).")
    ] = 0,
    database: Annotated[
        Path | None,
        typer.Option(help="Hypothesis example database: a re-run tries known failures first."),
    ] = None,
    relay: Annotated[
        list[str] | None,
        typer.Option(help="A gateway version between writer and reader (repeatable)."),
    ] = None,
    max_message_bytes: Annotated[
        int, typer.Option(help="Skip (and count) examples that encode to more bytes than this.")
    ] = MAX_MESSAGE_BYTES,
    max_depth: Annotated[
        int | None,
        typer.Option(
            help="Levels generated messages nest below the root: protobuf message fields "
            f"(default {MAX_DEPTH}), an Avro record inside itself (default {AVRO_MAX_DEPTH}), "
            f"JSON Schema levels with optional properties and array items (default "
            f"{JSON_MAX_DEPTH})."
        ),
    ] = None,
    max_sequence: Annotated[
        int, typer.Option(help="Messages per sequence, for families with state semantics.")
    ] = MAX_SEQUENCE,
    shard: Annotated[
        str | None,
        typer.Option(help="Run the I-th of N slices of the (writer, encoding) runs: I/N."),
    ] = None,
    save_corpus: Annotated[
        Path | None,
        typer.Option(
            "--save-corpus",
            help="Save each warning/error finding's minimal example here, for `replay`.",
        ),
    ] = None,
    debug: Debug = False,
) -> None:
    """Fuzz every ordered pair of versions (or a candidate against all, both directions)."""
    from schemafuzz._internal.family import CANDIDATE, load_family
    from schemafuzz._internal.reporting.check_report import OUTCOME_REPORTS
    from schemafuzz._internal.runner import DEFAULT_EXAMPLES, RunOptions, run

    with _errors(debug):
        destinations = _destinations(report, output, OUTCOME_REPORTS)
        _check_fail_on(fail_on)
        if examples is not None and examples < 1:
            raise InputError(f"--examples must be at least 1, not {examples}")
        shards = _shard(shard)
        loaded = load_family(family, root=root, candidate=candidate)
        reproduce: list[str] = []
        if root:
            reproduce += ["--root", root]
        if candidate is not None:
            reproduce += ["--candidate", str(candidate)]
        bounds = {
            "--max-message-bytes": (max_message_bytes, MAX_MESSAGE_BYTES),
            "--max-depth": (max_depth, None),  # None: each format's own default
            "--max-sequence": (max_sequence, MAX_SEQUENCE),
        }
        for flag, (value, default) in bounds.items():
            if value is not None and value < 1:
                raise InputError(f"{flag} must be at least 1, not {value}")
            if value != default:  # the reproduce command runs with the same bounds
                reproduce += [flag, str(value)]
        options = RunOptions(
            examples=examples if examples is not None else DEFAULT_EXAMPLES,
            seed=seed,
            writers=writer,
            readers=reader,
            encodings=encoding,
            candidate=CANDIDATE if candidate is not None else None,
            relays=list(relay or []),
            database=str(database) if database is not None else None,
            show_info=show_info,
            jobs=jobs,
            reproduce_args=reproduce,
            shard=shards,
            max_message_bytes=max_message_bytes,
            max_depth=max_depth,
            max_sequence=max_sequence,
        )
        progress, stop = _progress()
        try:
            result = run(loaded, options, progress)
        finally:
            stop()
        from schemafuzz._internal.outcome import from_fuzz
        from schemafuzz._internal.reporting.text import summary_line

        outcome = from_fuzz(
            loaded, result, fail_on=fail_on, examples=options.examples, candidate=options.candidate
        )

        _emit_all(destinations, _renderer(result, outcome), summary_line(result, options.examples))
        _annotate(outcome, destinations)
        if save_corpus is not None:
            _save_corpus(loaded, result.findings, save_corpus, options.candidate)
    if result.interrupted:
        raise typer.Exit(INTERRUPTED)
    raise typer.Exit(_exit_code(result.worst, fail_on))


def _save_corpus(family: Any, findings: list[Any], directory: Path, candidate: str | None) -> None:
    """Regression entries for `replay`; on stderr, so a JSON report on stdout stays parseable."""
    from schemafuzz._internal.corpus import save_findings

    try:
        saved = save_findings(family, findings, directory, candidate)
    except OSError as exc:
        raise InputError(f"--save-corpus {directory}: {exc.strerror or exc}") from None
    typer.echo(
        f"schemafuzz: saved {len(saved.written)} regression entries to {directory}"
        f" ({saved.duplicates} findings share bytes already saved)",
        err=True,
    )
    for reason, count in saved.skipped.items():
        typer.echo(f"schemafuzz: {count} findings not saved: {reason}", err=True)


@app.command("replay")
def replay_command(
    family: Annotated[Path, typer.Argument(help="The family directory (one folder per version).")],
    corpus: Annotated[
        Path, typer.Argument(help="The corpus: <writer version>/<message>.bin|.json|.cbor")
    ],
    file: Annotated[
        list[str] | None,
        typer.Option(
            "--file",
            help="Only this corpus file: relative to CORPUS, or a path into it (repeatable).",
        ),
    ] = None,
    reader: Annotated[list[str] | None, typer.Option(help="Only this reader (repeatable).")] = None,
    root: Root = None,
    report: ReportFormat = "text",
    output: Output = None,
    fail_on: FailOn = "error",
    debug: Debug = False,
) -> None:
    """Decode every captured message with every other version; exit 2 if a file is unreadable."""
    from schemafuzz._internal.family import load_family
    from schemafuzz._internal.replay import ReplayOptions, replay
    from schemafuzz._internal.reporting import render_json
    from schemafuzz._internal.reporting.replay_text import render_replay_text, replay_summary_line

    with _errors(debug):
        _check_choices(report, fail_on)
        loaded = load_family(family, root=root)
        options = ReplayOptions(
            files=file, readers=reader, reproduce_args=["--root", root] if root else []
        )
        result = replay(loaded, corpus, options)
        _emit(
            lambda color: (
                render_json(result) if report == "json" else render_replay_text(result, color=color)
            ),
            output,
            replay_summary_line(result),
        )
    if result.unreadable:
        names = [str(corpus / u.name) for u in result.unreadable]
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        count = "1 corpus file" if len(names) == 1 else f"{len(names)} corpus files"
        typer.echo(
            f"schemafuzz: error: {count} could not be replayed: {shown} "
            "(the report gives each reason)",
            err=True,
        )
        raise typer.Exit(2)
    raise typer.Exit(_exit_code(result.worst, fail_on))


def _check_choices(report: str, fail_on: str) -> None:
    from schemafuzz._internal.reporting import REPORTS

    if report not in REPORTS:
        raise InputError(f"--report must be one of {', '.join(REPORTS)}, not {report!r}")
    _check_fail_on(fail_on)


def _check_fail_on(fail_on: str) -> None:
    if fail_on not in FAIL_ON:
        raise InputError(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")


def _emit(render: Callable[[bool], str], output: Path | None, summary: str) -> None:
    """The report on stdout (colored on a terminal), or atomically to --output with a summary."""
    if output is None:
        typer.echo(render(sys.stdout.isatty()), nl=False)
        return
    from schemafuzz._internal.reporting import write_atomic

    write_atomic(output, render(False))
    typer.echo(f"{summary}; report written to {output}")


def _shard(text: str | None) -> tuple[int, int] | None:
    """`--shard I/N` with 1 <= I <= N."""
    if text is None:
        return None
    import re

    match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if match is None:
        raise InputError(f"--shard {text}: expected I/N, e.g. 2/4")
    index, count = int(match[1]), int(match[2])
    if count < 1 or not 1 <= index <= count:
        raise InputError(f"--shard {text}: I must be between 1 and N (N at least 1)")
    return index, count


@app.command()
def merge(
    reports: Annotated[
        list[Path], typer.Argument(help="The JSON reports of the shards (fuzz --shard I/N).")
    ],
    report: Reports = None,
    output: Outputs = None,
    fail_on: FailOn = "error",
    debug: Debug = False,
) -> None:
    """Combine sharded runs' JSON reports into the report of the unsharded run."""
    from schemafuzz._internal.merge import merge as merge_reports
    from schemafuzz._internal.outcome import from_fuzz
    from schemafuzz._internal.reporting.check_report import OUTCOME_REPORTS
    from schemafuzz._internal.reporting.text import summary_line

    with _errors(debug):
        destinations = _destinations(report, output, OUTCOME_REPORTS)
        _check_fail_on(fail_on)
        merged = merge_reports(reports)
        outcome = from_fuzz(None, merged, fail_on=fail_on)
        examples = max((p.examples for p in merged.pairs), default=0)

        _emit_all(destinations, _renderer(merged, outcome), summary_line(merged, examples))
    raise typer.Exit(_exit_code(merged.worst, fail_on))


def _renderer(report: Any, outcome: Any) -> Callable[[str, bool], str]:
    """A fuzz run's reports by name: text and JSON of the run itself (the JSON a merge reads
    back), the other formats of its outcome."""
    from schemafuzz._internal.reporting import render_json, render_text
    from schemafuzz._internal.reporting.check_report import render

    def rendered(kind: str, color: bool) -> str:
        if kind == "text":
            return render_text(report, color=color)
        if kind == "json":
            return render_json(report)
        return render(kind, outcome, color=color)

    return rendered


def _destinations(
    reports: list[str] | None, outputs: list[Path] | None, known: tuple[str, ...]
) -> list[tuple[str, Path | None]]:
    """Pair each --report with its --output in order; the unpaired one goes to the terminal."""
    reports = list(reports or ["text"])
    outputs = list(outputs or [])
    for kind in reports:
        if kind not in known:
            raise InputError(f"--report must be one of {', '.join(known)}, not {kind!r}")
    if len(outputs) > len(reports):
        extra = ", ".join(str(o) for o in outputs[len(reports) :])
        raise InputError(f"--output {extra} has no --report to pair with")
    paired: list[tuple[str, Path | None]] = [
        (kind, outputs[i] if i < len(outputs) else None) for i, kind in enumerate(reports)
    ]
    terminal = [kind for kind, out in paired if out is None]
    if len(terminal) > 1:
        raise InputError(
            f"reports {' and '.join(terminal)} would both go to the terminal; "
            "give all but one an --output"
        )
    return paired


def _emit_all(
    destinations: list[tuple[str, Path | None]],
    render: Callable[[str, bool], str],
    summary: str,
) -> None:
    """Every report to its file (atomically) or the terminal; a summary when none goes there."""
    from schemafuzz._internal.reporting import write_atomic

    written = []
    for kind, output in destinations:
        if output is None:
            typer.echo(render(kind, sys.stdout.isatty()), nl=False)
        else:
            try:
                write_atomic(output, render(kind, False))
            except OSError as exc:
                raise InputError(f"--output {output}: {exc.strerror or exc}") from None
            written.append(str(output))
    if written and all(output is not None for _, output in destinations):
        typer.echo(f"{summary}; reports written to {', '.join(written)}")


def _annotate(outcome: Any, destinations: list[tuple[str, Path | None]]) -> None:
    """GitHub annotations when running in GitHub Actions: on stdout, or on stderr when a
    machine-readable report is already on stdout."""
    import os

    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from schemafuzz._internal.reporting.annotations import github_annotations

    to_stderr = any(out is None and kind != "text" for kind, out in destinations)
    for line in github_annotations(outcome):
        typer.echo(line, err=to_stderr)


def _exit_code(worst: Severity | None, fail_on: str) -> int:
    if fail_on == "never" or worst is None:
        return 0
    return 1 if worst >= Severity.parse(fail_on) else 0


Base = Annotated[
    str,
    typer.Option(help="The git ref the fleet's versions are read at (a branch, tag or commit)."),
]
Manifest = Annotated[
    Path | None,
    typer.Option(help="The fleet manifest (default: schemafuzz.toml or pyproject.toml)."),
]
ManifestExamples = Annotated[
    int | None, typer.Option(help="Examples per writer and encoding (default: manifest).")
]
ManifestSeed = Annotated[int | None, typer.Option(help="Seed (default: manifest, else 0).")]
Jobs = Annotated[int, typer.Option(help="Worker processes (0: one per CPU core).")]
FamilyFilter = Annotated[
    list[str] | None, typer.Option("--family", help="Only this family (repeatable).")
]


@app.command()
def check(
    base: Base = "HEAD",
    manifest: Manifest = None,
    report: Reports = None,
    output: Outputs = None,
    fail_on: Annotated[
        str | None,
        typer.Option(help="Exit 1 on new findings at or above: error, warning or never."),
    ] = None,
    examples: ManifestExamples = None,
    seed: ManifestSeed = None,
    family: FamilyFilter = None,
    writer: Annotated[list[str] | None, typer.Option(help="Only this writer (repeatable).")] = None,
    reader: Annotated[list[str] | None, typer.Option(help="Only this reader (repeatable).")] = None,
    encoding: Annotated[
        list[str] | None, typer.Option(help="Only this encoding (repeatable).")
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(help="Accepted findings (default: manifest, else .schemafuzz-baseline.json)."),
    ] = None,
    no_baseline: Annotated[
        bool, typer.Option("--no-baseline", help="Report baselined findings as new.")
    ] = False,
    jobs: Jobs = 0,
    debug: Debug = False,
) -> None:
    """Fuzz the working tree's changed families against the fleet deployed at --base."""
    from schemafuzz._internal.premerge import CheckOptions
    from schemafuzz._internal.premerge import check as run_check
    from schemafuzz._internal.reporting.check_report import OUTCOME_REPORTS, render, summary

    with _errors(debug):
        destinations = _destinations(report, output, OUTCOME_REPORTS)
        if fail_on is not None:
            _check_fail_on(fail_on)
        if examples is not None and examples < 1:
            raise InputError(f"--examples must be at least 1, not {examples}")
        options = CheckOptions(
            base=base,
            manifest=manifest,
            examples=examples,
            seed=seed,
            fail_on=fail_on,
            jobs=jobs,
            families=family,
            writers=writer,
            readers=reader,
            encodings=encoding,
            baseline=baseline,
            use_baseline=not no_baseline,
        )
        progress, stop = _progress()
        try:
            outcome, _ = run_check(Path.cwd(), options, progress)
        finally:
            stop()
        for note in options.notes:
            typer.echo(f"schemafuzz: {note}", err=True)
        _emit_all(
            destinations, lambda kind, color: render(kind, outcome, color=color), summary(outcome)
        )
        _annotate(outcome, destinations)
    raise typer.Exit(outcome.exit_code)


@app.command("baseline")
def baseline_command(
    base: Base = "HEAD",
    manifest: Manifest = None,
    output: Annotated[
        Path | None,
        typer.Option(help="The baseline file (default: manifest, else .schemafuzz-baseline.json)."),
    ] = None,
    examples: ManifestExamples = None,
    seed: ManifestSeed = None,
    family: FamilyFilter = None,
    jobs: Jobs = 0,
    debug: Debug = False,
) -> None:
    """Accept today's findings: later checks fail only on findings not in the baseline."""
    from schemafuzz._internal import baseline as baseline_file
    from schemafuzz._internal.catalog import Severity
    from schemafuzz._internal.manifest import BASELINE
    from schemafuzz._internal.outcome import NEW
    from schemafuzz._internal.premerge import CheckOptions
    from schemafuzz._internal.premerge import check as run_check
    from schemafuzz._internal.reporting import write_atomic

    with _errors(debug):
        if examples is not None and examples < 1:
            raise InputError(f"--examples must be at least 1, not {examples}")
        options = CheckOptions(
            base=base,
            manifest=manifest,
            examples=examples,
            seed=seed,
            jobs=jobs,
            families=family,
            use_baseline=False,
            every_family=True,
        )
        progress, stop = _progress()
        try:
            outcome, found = run_check(Path.cwd(), options, progress)
        finally:
            stop()
        for note in options.notes:
            typer.echo(f"schemafuzz: {note}", err=True)
        path = output or found.baseline or found.root / BASELINE
        checked = {f.name for f in outcome.families}
        kept = [e for e in baseline_file.load(path) if e.get("family") not in checked]
        accepted = [
            v for v in outcome.verdicts if v.status == NEW and v.finding.severity > Severity.INFO
        ]
        text = baseline_file.render(accepted, kept)
        try:
            write_atomic(path, text)
        except OSError as exc:
            raise InputError(f"{path}: {exc.strerror or exc}") from None
        entries = text.count('"kind"')
        typer.echo(
            f"schemafuzz: baseline {path}: {entries} accepted findings "
            f"({', '.join(sorted(checked)) or 'no family'} checked at {base})"
        )


@app.command()
def versions(
    family: Annotated[Path, typer.Argument(help="The family directory.")],
    root: Root = None,
    debug: Debug = False,
) -> None:
    """Show what the loader saw: each version, its root message and fields."""
    from schemafuzz._internal.family import load_family

    with _errors(debug):
        loaded = load_family(family, root=root)
    table = Table(
        title=f"{loaded.name} ({loaded.format}; encodings: "
        f"{', '.join(e.name for e in loaded.encodings)})"
    )
    for column in ("#", "version", "source", "root", "fields"):
        table.add_column(column)
    for version in loaded.versions:
        fields = ", ".join(_field_label(f) for f in version.root.fields)
        table.add_row(
            str(version.index + 1), version.name, str(version.path), version.root.name, fields
        )
    Console(width=160).print(table)


def _field_label(field: Any) -> str:
    number = f"{field.number}:" if field.number is not None else ""
    return f"{number}{field.name}"


@app.command()
def kinds() -> None:
    """The finding catalog: every kind, its default severity and purpose."""
    table = Table(title="schemafuzz finding kinds")
    for column in ("kind", "severity", "purpose"):
        table.add_column(column)
    for kind in KINDS:
        purpose = kind.purpose if kind.implemented else f"{kind.purpose} (not implemented yet)"
        table.add_row(kind.id, kind.severity.label, purpose)
    Console(width=160).print(table)


def main() -> None:
    app()
