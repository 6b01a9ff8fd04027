"""The runner: plan the (writer, reader, encoding) pairs, generate once per writer, check every
reader, then shrink each distinct finding to a minimal example.

Generation is the expensive part, so each writer's examples are drawn once per encoding and
every example is checked against every reader. Plans (matching) are built once per pair before
the loop. Each (writer, encoding) gets its own seed derived from the run's seed, so filtering
readers or writers never changes the examples a writer produces: the reproduce command of a
finding (`--writer W --reader R --encoding E --seed S`) sees the same examples.
"""

from __future__ import annotations

import multiprocessing
import os
import shlex
import signal
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from schemafuzz._internal.catalog import Finding, Severity, kind
from schemafuzz._internal.engine import Drawer, replay, shrink, simpler
from schemafuzz._internal.errors import InputError
from schemafuzz._internal.matching import History, Planner
from schemafuzz._internal.model import (
    MAX_MESSAGE_BYTES,
    MAX_SEQUENCE,
    DecodeFailure,
    Encoding,
    Family,
    FieldDef,
    MessageDef,
    Version,
    View,
)
from schemafuzz._internal.oracle import Difference, Oracle
from schemafuzz._internal.report import PairResult, Report
from schemafuzz._internal.values import jsonable

DEFAULT_EXAMPLES = 50
FindingKey = tuple[str, str, str]  # (kind, reader, path) within one (writer, encoding)


@dataclass
class RunOptions:
    examples: int = DEFAULT_EXAMPLES
    seed: int = 0
    writers: list[str] | None = None
    readers: list[str] | None = None
    encodings: list[str] | None = None
    candidate: str | None = None  # name of the candidate version, when there is one
    relays: list[str] = field(default_factory=list)  # gateway versions (W -> G -> R)
    database: str | None = None  # a Hypothesis example database directory (--database)
    show_info: bool = False
    jobs: int = 0  # worker processes; 0: one per CPU core
    reproduce_args: list[str] = field(default_factory=list)  # --root, --candidate … as given
    # The command a reproduce line starts with (default: `schemafuzz fuzz <family path>`).
    reproduce_prefix: list[str] | None = None
    pairs: set[tuple[str, str]] | None = None  # only these (writer, reader) pairs, when given
    shard: tuple[int, int] | None = None  # (I, N): run the I-th of N slices of the plan
    max_message_bytes: int = MAX_MESSAGE_BYTES  # an example encoding to more is skipped
    max_sequence: int = MAX_SEQUENCE  # messages per state sequence
    max_depth: int | None = None  # nesting bound of generated messages; None: each format's own


ProgressCallback = Callable[[int, int, str], None]  # (done, total, what is next)


@dataclass
class Check:
    """One reader of one (writer, encoding) run, with its plan built before the loop."""

    reader: Version
    oracle: Oracle
    result: PairResult

    @property
    def name(self) -> str:
        """How findings of this check are keyed: the reader (and the relay, for relays)."""
        return self.reader.name

    @property
    def via(self) -> str | None:
        return None

    def differences(
        self, data: bytes, written: View, writer: Version, encoding: str
    ) -> list[Difference]:
        """What this reader makes of the writer's bytes, against the writer's own view."""
        try:
            read = self.reader.codec.decode(data, encoding, writer.codec)
        except DecodeFailure as exc:
            return [decode_error(exc, writer.root, self.oracle, self.reader.root)]
        return self.oracle.compare(written, read)


def relay_checks(
    writer: Version,
    encoding: Encoding,
    checks: list[Check],
    relays: list[Version],
    options: RunOptions,
) -> list[Check]:
    """One RelayCheck per (relay G, reader R) with G neither the writer nor the reader."""
    if not relays:
        return []
    from schemafuzz._internal.relay import RelayCheck

    return [
        RelayCheck.build(check, relay, encoding)
        for relay in relays
        for check in checks
        if relay.name not in (writer.name, check.reader.name)
    ]


def make_checks(
    writer: Version, encoding: Encoding, readers: list[Version], history: History
) -> list[Check]:
    return [
        Check(
            reader,
            Oracle(Planner(writer, reader, encoding, history).plan(), encoding.keyed_by),
            PairResult(writer.name, reader.name, encoding.name),
        )
        for reader in readers
    ]


@dataclass
class _Seen:
    difference: Difference
    value: Any  # the first native example that showed it
    simplest: bool  # it was the first example, the simplest one: nothing to shrink
    choices: tuple[Any, ...] = ()  # Hypothesis's choices that make `value`: the shrink's start


def severity_of(difference: Difference) -> Severity:
    """The kind's default severity, unless the oracle raised it for this difference."""
    return difference.severity or kind(difference.kind).severity


def finding_from(
    difference: Difference,
    *,
    family: str,
    writer: str,
    reader: str,
    encoding: str,
    example: Any,
    encoded: str,
    reproduce: str,
    shrunk: bool,
    via: str | None = None,
) -> Finding:
    """A report's finding from one observed difference (fuzz and replay alike)."""
    return Finding(
        family=family,
        kind=difference.kind,
        severity=severity_of(difference),
        writer=writer,
        reader=reader,
        encoding=encoding,
        path=difference.path,
        written=jsonable(difference.written, difference.writer_field),
        read=jsonable(difference.read, difference.reader_field),
        example=example,
        encoded=encoded,
        explanation=difference.explanation,
        reproduce=reproduce,
        shrunk=shrunk,
        via=via,
    )


def derive_seed(run_seed: int, family: str, writer: str, encoding: str) -> int:
    return zlib.crc32(f"{run_seed}:{family}:{writer}:{encoding}".encode())


class WriterRun:
    """Everything for one (writer, encoding): discovery over all readers, then shrinking."""

    def __init__(
        self,
        family: Family,
        writer: Version,
        encoding: Encoding,
        checks: list[Check],
        options: RunOptions,
    ) -> None:
        self.family = family
        self.writer = writer
        self.encoding = encoding
        self.checks = checks
        self.options = options
        self.seed = derive_seed(options.seed, family.name, writer.name, encoding.name)
        self.relay_checks: list[Check] = relay_checks(
            writer, encoding, checks, [family.version(v) for v in options.relays], options
        )
        self.seen: dict[FindingKey, _Seen] = {}
        self.skipped = 0
        self.skip_reason = ""
        self.observed = 0  # examples drawn so far; Hypothesis draws the simplest one first

    def strategy(self) -> Any:
        """What one example is: a message of the writer (a sequence, for state runs)."""
        sampler = self.sampler()
        if sampler is not None:
            return sampler.strategy()
        return self.writer.codec.strategy(self.options.max_depth)

    def sampler(self) -> Any:
        """The writer's fast generator of the same examples, when its format has one."""
        finder = getattr(self.writer.codec, "sampler", None)
        return finder(self.options.max_depth) if finder is not None else None

    def notes(self) -> list[str]:
        """Resource bounds this run hit, for the report."""
        codec = self.writer.codec
        truncated = codec.truncated(self.options.max_depth)
        if not truncated:
            return []
        depth = codec.default_depth if self.options.max_depth is None else self.options.max_depth
        shown = ", ".join(truncated[:4]) + (" …" if len(truncated) > 4 else "")
        return [
            f"{self.writer.name}: nested messages generated {depth} "
            f"level{'' if depth == 1 else 's'} deep "
            f"(--max-depth); not below that: {shown}"
        ]

    def checks_by_reader(self) -> dict[str, Check]:
        return {c.name: c for c in [*self.checks, *self.relay_checks]}

    # -- the hot path -------------------------------------------------------------------------

    def _views(self, value: Any) -> tuple[bytes, View] | None:
        codec = self.writer.codec
        try:
            data = codec.encode(value, self.encoding.name)
            if len(data) > self.options.max_message_bytes:
                limit = self.options.max_message_bytes
                self.skip_reason = self.skip_reason or (
                    f"an example encodes to {len(data)} bytes, over --max-message-bytes {limit}"
                )
                return None
            return data, codec.decode(data, self.encoding.name, codec)
        except Exception as exc:  # the writer cannot round-trip its own value: a codec limit
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.skip_reason = (
                self.skip_reason or f"the writer's own codec cannot round-trip it: {first}"
            )
            return None

    def _observe(self, value: Any, choices: tuple[Any, ...] = ()) -> None:
        simplest = self.observed == 0
        self.observed += 1
        views = self._views(value)
        if views is None:
            self.skipped += 1
            return
        data, written = views
        seen = self.seen
        for check in self.checks:
            check.result.examples += 1
        for check in [*self.checks, *self.relay_checks]:
            differences = check.differences(data, written, self.writer, self.encoding.name)
            for difference in differences:
                key = (difference.kind, check.name, difference.path)
                known = seen.get(key)
                # Keep the simplest example that shows it: the shrinker starts closer to
                # minimal, and a local minimum it cannot leave is a smaller one.
                if known is None or (not known.simplest and simpler(choices, known.choices)):
                    seen[key] = _Seen(difference, value, simplest, choices)

    def discover(self) -> None:
        """Draw the run's examples (the simplest first) and check each against every reader."""
        drawer = Drawer(self.strategy(), self.seed, self.sampler())
        valid = 0
        # Rejected draws do not count, as in Hypothesis; give up after ten times the budget.
        for _ in range(self.options.examples * 10):
            drawn = drawer.draw()
            if drawn is not None:
                self._observe(*drawn)
                valid += 1
                if valid == self.options.examples:
                    break

    # -- shrinking ----------------------------------------------------------------------------

    def _matches(self, value: Any, check: Check, key: FindingKey) -> Difference | None:
        views = self._views(value)
        if views is None:
            return None
        data, written = views
        for difference in check.differences(data, written, self.writer, self.encoding.name):
            if (difference.kind, check.name, difference.path) == key:
                return difference
        return None

    def shrink(self, key: FindingKey, check: Check) -> tuple[Any, Difference] | None:
        """The minimal example showing `key`: Hypothesis's shrinker, from the choices of the
        example that showed it first."""
        seen = self.seen.get(key)
        if seen is None or not seen.choices:
            return None
        strategy = self.strategy()
        choices = shrink(
            strategy,
            seen.choices,
            lambda value: self._matches(value, check, key) is not None,
            self.seed,
        )
        if choices is None:
            return None
        value = replay(strategy, choices)
        difference = self._matches(value, check, key) if value is not None else None
        if difference is None:
            return None
        self._remember(key, choices)
        return value, difference

    def _database(self) -> Any:
        if self.options.database is None:
            return None
        from hypothesis.database import DirectoryBasedExampleDatabase

        return DirectoryBasedExampleDatabase(self.options.database)

    def _marker(self, key: FindingKey) -> bytes:
        return "|".join((self.family.name, self.writer.name, self.encoding.name, *key)).encode()

    def _remember(self, key: FindingKey, choices: tuple[Any, ...]) -> None:
        """With --database, the minimal example's choices, for a re-run to try first."""
        database = self._database()
        if database is None:
            return
        from hypothesis.database import choices_to_bytes

        marker = self._marker(key)
        for old in list(database.fetch(marker)):
            database.delete(marker, old)
        database.save(marker, choices_to_bytes(choices))

    def _recall(self) -> None:
        """With --database, findings of earlier runs are looked for again, stored example first."""
        database = self._database()
        if database is None:
            return
        from hypothesis.database import choices_from_bytes

        assert self.options.database is not None
        checks = self.checks_by_reader()
        strategy = self.strategy()
        known = load_known(self.options.database).get(self.run_key(), [])
        for kind_id, reader, path in known:
            key = (kind_id, reader, path)
            if key in self.seen or reader not in checks:
                continue
            for stored in database.fetch(self._marker(key)):
                choices = choices_from_bytes(stored)
                value = replay(strategy, choices) if choices is not None else None
                difference = self._matches(value, checks[reader], key) if value else None
                if difference is not None and choices is not None:
                    self.seen[key] = _Seen(difference, value, False, choices)
                    break

    def run_key(self) -> str:
        return "|".join((self.family.name, self.writer.name, self.encoding.name))

    def findings(self) -> list[Finding]:
        """Every distinct finding; warnings and errors with their own minimal example.

        One shrink serves every reader whose finding (same kind and path) the minimal example
        also shows; a reader it does not show gets its own shrink.
        """
        self._recall()
        checks = self.checks_by_reader()
        shrunk: dict[tuple[str, str], list[tuple[Any, Difference]]] = {}
        out: list[Finding] = []
        for key in sorted(self.seen):
            seen = self.seen[key]
            check = checks[key[1]]
            severity = severity_of(seen.difference)
            result: tuple[Any, Difference] | None = None
            if seen.simplest:
                result = (seen.value, seen.difference)
            elif severity > Severity.INFO or self.options.show_info:
                result = self._minimal(key, check, shrunk.setdefault((key[0], key[2]), []))
            value, difference = result or (seen.value, seen.difference)
            out.append(self._finding(check, value, difference, result is not None))
            check.result.findings += 1
            check.result.worst = max(severity, check.result.worst or severity)
        return out

    def _minimal(
        self, key: FindingKey, check: Check, earlier: list[tuple[Any, Difference]]
    ) -> tuple[Any, Difference] | None:
        for value, _ in earlier:
            difference = self._matches(value, check, key)
            if difference is not None:
                return value, difference
        result = self.shrink(key, check)
        if result is not None:
            earlier.append(result)
        return result

    def render(self, value: Any) -> tuple[Any, str]:
        """An example as JSON for the report, and its encoded bytes as hex."""
        codec = self.writer.codec
        try:
            encoded = codec.encode(value, self.encoding.name).hex()
        except Exception:
            encoded = ""
        return codec.example_json(value), encoded

    def _finding(self, check: Check, value: Any, difference: Difference, shrunk: bool) -> Finding:
        example, encoded = self.render(value)
        return finding_from(
            difference,
            family=self.family.name,
            writer=self.writer.name,
            reader=check.reader.name,
            encoding=self.encoding.name,
            example=example,
            encoded=encoded,
            reproduce=self.reproduce(check.reader.name, check.via),
            shrunk=shrunk,
            via=check.via,
        )

    def reproduce(self, reader: str, via: str | None = None) -> str:
        prefix = self.options.reproduce_prefix
        args = [
            *(prefix if prefix is not None else ["schemafuzz", "fuzz", str(self.family.path)]),
            *self.options.reproduce_args,
            "--writer",
            self.writer.name,
            "--reader",
            reader,
            "--encoding",
            self.encoding.name,
            "--seed",
            str(self.options.seed),
            "--examples",
            str(self.options.examples),
        ]
        if via is not None:
            args += ["--relay", via]
        return shlex.join(args)


KNOWN_FILE = "schemafuzz-known.json"


def load_known(database: str) -> dict[str, list[list[str]]]:
    """Findings earlier runs saw, per (family, writer, encoding): retried first by a re-run."""
    import json

    path = Path(database) / KNOWN_FILE
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (ValueError, OSError) as exc:
        raise InputError(f"{path}: not a schemafuzz database index ({exc})") from None
    return loaded if isinstance(loaded, dict) else {}


def save_known(database: str, report: Report) -> None:
    import json

    from schemafuzz._internal.reporting.files import write_atomic

    known = load_known(database)
    for finding in report.findings:
        if finding.severity > Severity.INFO and finding.via is None:
            entry = [finding.kind, finding.reader, finding.path]
            bucket = known.setdefault(
                "|".join((finding.family, finding.writer, finding.encoding)), []
            )
            if entry not in bucket:
                bucket.append(entry)
    write_atomic(Path(database) / KNOWN_FILE, json.dumps(known, indent=1, sort_keys=True) + "\n")


def decode_error(
    exc: DecodeFailure, root: MessageDef, oracle: Oracle, reader: MessageDef | None = None
) -> Difference:
    path = _key_path(root, exc.keys, reader)
    if not path and exc.mismatch is not None:
        path = oracle.locate(*exc.mismatch)
    cause = oracle.explain(path)
    explanation = (
        f"{cause}; the reader rejects the message"
        if cause
        else f"the reader raised {exc}; what changed: {oracle.changes() or 'nothing declared'}"
    )
    return Difference("decode-error", path, None, str(exc), None, None, explanation)


def _key_path(root: MessageDef, keys: tuple[str, ...], reader: MessageDef | None = None) -> str:
    """Writer field names for the encoding's keys a reader named in its error (the reader's
    name for a field only it declares)."""
    names: list[str] = []
    message: MessageDef | None = root
    for key in keys:
        found = _field(message, key)
        if found is None:
            # A key the writer does not declare. A field of the reader (one it requires) keeps
            # its name; any other key (a pattern or free-form property) is `*`, so all such keys
            # are one finding with a stable fingerprint, whatever key an example drew. Named
            # only at the top of what the writer sent, not inside a value the reader misparsed
            # (a base64 string read as an object).
            if message is not None:
                names.append(key if reader is None or _field(reader, key) else "*")
            break
        names.append(found.name)
        message = found.message
        counterpart = _field(reader, key)
        reader = counterpart.message if counterpart is not None else None
    return ".".join(names)


def _field(message: MessageDef | None, key: str) -> FieldDef | None:
    if message is None:
        return None
    return next((f for f in message.fields if key in (f.name, f.json_name)), None)


def select_names(names: list[str], wanted: list[str] | None, what: str) -> list[str]:
    """The wanted names in their order; an unknown one is an input error, not an empty run."""
    if not wanted:
        return names
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise InputError(f"unknown {what} {', '.join(unknown)} (known: {', '.join(names)})")
    return [n for n in names if n in wanted]


def plan_pairs(
    family: Family, options: RunOptions
) -> list[tuple[Version, Encoding, list[Version]]]:
    """Every (writer, encoding) to generate for, with the readers it is checked against."""
    names = [v.name for v in family.versions]
    writers = set(select_names(names, options.writers, "writer version"))
    readers = set(select_names(names, options.readers, "reader version"))
    encodings = select_names([e.name for e in family.encodings], options.encodings, "encoding")
    plans = []
    for writer in family.versions:
        if writer.name not in writers:
            continue
        for encoding in family.encodings:
            if encoding.name not in encodings:
                continue
            chosen = [
                r
                for r in family.versions
                if r.name != writer.name
                and r.name in readers
                and (options.candidate is None or options.candidate in (writer.name, r.name))
                and (options.pairs is None or (writer.name, r.name) in options.pairs)
            ]
            # A state family checks the writer against itself too (state-hazard): keep a writer
            # whose only requested reader is itself.
            alone = (
                family.state is not None
                and writer.name in readers
                and (options.candidate is None or options.candidate == writer.name)
                and (options.pairs is None or (writer.name, writer.name) in options.pairs)
            )
            if chosen or alone:
                plans.append((writer, encoding, chosen))
    return plans


@dataclass
class _Outcome:
    findings: list[Finding]
    pairs: list[PairResult]
    skipped: int
    skip_reason: str
    notes: list[str] = field(default_factory=list)


def _run_one(
    family: Family,
    options: RunOptions,
    history: History,
    writer: Version,
    encoding: Encoding,
    readers: list[Version],
) -> _Outcome:
    checks = make_checks(writer, encoding, readers, history)
    writer_run = WriterRun(family, writer, encoding, checks, options)
    writer_run.discover()
    findings = writer_run.findings()
    if family.state is not None:
        from schemafuzz._internal.state import StateRun

        baseline = make_checks(writer, encoding, [writer], history)[0]
        state_run = StateRun(family, writer, encoding, checks, options, baseline)
        state_run.discover()
        findings.extend(state_run.findings())
    return _Outcome(
        findings,
        [c.result for c in checks],
        writer_run.skipped,
        writer_run.skip_reason,
        writer_run.notes(),
    )


# Set before forking workers, so each inherits the loaded family instead of pickling it.
_FORKED: (
    tuple[Family, RunOptions, History, list[tuple[Version, Encoding, list[Version]]]] | None
) = None


def _forked_task(index: int) -> tuple[int, _Outcome]:
    assert _FORKED is not None
    family, options, history, planned = _FORKED
    writer, encoding, readers = planned[index]
    return index, _run_one(family, options, history, writer, encoding, readers)


def _outcomes(
    family: Family,
    options: RunOptions,
    history: History,
    planned: list[tuple[Version, Encoding, list[Version]]],
    progress: ProgressCallback | None,
) -> list[_Outcome | None]:
    """Each (writer, encoding) is independent: run them in worker processes when there are
    several cores, and put the results back in plan order (the report does not depend on it).

    Ctrl-C stops the run: the runs finished so far are returned, the others are None.
    """
    global _FORKED
    jobs = options.jobs or os.cpu_count() or 1
    jobs = min(jobs, len(planned))
    results: dict[int, _Outcome] = {}

    def tick(index: int) -> None:
        if progress is not None:
            writer, encoding, readers = planned[index]
            progress(len(results), len(planned), f"{writer.name} {encoding.name}")

    try:
        if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            for index, (writer, encoding, readers) in enumerate(planned):
                tick(index)
                results[index] = _run_one(family, options, history, writer, encoding, readers)
        else:
            _FORKED = (family, options, history, planned)
            # Workers ignore Ctrl-C: the parent stops the pool and keeps what finished.
            context = multiprocessing.get_context("fork")
            with context.Pool(jobs, initializer=signal.signal, initargs=_IGNORE_SIGINT) as pool:
                for index, outcome in pool.imap_unordered(_forked_task, range(len(planned))):
                    results[index] = outcome
                    tick(index)
    except KeyboardInterrupt:
        pass
    finally:
        _FORKED = None
    return [results.get(i) for i in range(len(planned))]


_IGNORE_SIGINT = (signal.SIGINT, signal.SIG_IGN)


def run(family: Family, options: RunOptions, progress: ProgressCallback | None = None) -> Report:
    """Fuzz `family` as `options` says and return the report (findings sorted, deterministic)."""
    if options.examples < 1:
        raise InputError("--examples must be at least 1")
    relays = options.relays or family.relays
    unknown = [r for r in relays if r not in {v.name for v in family.versions}]
    if unknown:
        known = ", ".join(v.name for v in family.versions)
        raise InputError(f"unknown relay version {', '.join(unknown)} (known: {known})")
    options = replace(options, relays=list(relays))
    history = History(family.versions)
    report = Report(
        family=family.name,
        versions=[v.name for v in family.versions],
        encodings=[e.name for e in family.encodings],
        seed=options.seed,
    )
    planned = plan_pairs(family, options)
    if options.shard is not None:
        index, count = options.shard
        # Round robin over the plan: (writer, encoding) runs are independent, and slices of a
        # history ordered oldest first get similar shares of old and new writers.
        planned = [p for i, p in enumerate(planned) if i % count == index - 1]
        report.shard = f"{index}/{count}"
    for (writer, encoding, _), outcome in zip(
        planned, _outcomes(family, options, history, planned, progress), strict=True
    ):
        if outcome is None:  # interrupted before this run finished
            report.interrupted += 1
            continue
        report.findings.extend(outcome.findings)
        report.notes.extend(n for n in outcome.notes if n not in report.notes)
        report.pairs.extend(outcome.pairs)
        if outcome.skipped:
            key = f"{writer.name}/{encoding.name}"
            report.skipped[key] = outcome.skipped
            report.skip_reasons[key] = outcome.skip_reason
    if progress is not None:
        progress(len(planned), len(planned), "done")
    if options.database is not None:
        save_known(options.database, report)
    report.sort_findings()
    return report
