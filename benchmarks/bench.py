"""Benchmarks: five figures, each measured in the same run; one table per figure, bench.json.

1. raw        the codec alone (no schemafuzz code): each pre-generated message (Hypothesis, 300
              per writer; 6 evenly spaced writers of a long history) encoded once by the writer
              W and decoded by every other version R; one pair = one (message, R); pairs/s per
              family and encoding, for the example families, the 30-version generated history and
              the meshtastic root (a large real message; a generated one when absent).
2. checks/s   schemafuzz's own rate: `schemafuzz.fuzz(family, examples=20, jobs=1)` on the full
              matrix, one encoding at a time; one check = one (example, reader, encoding) decoded
              and compared; checks / wall seconds of the whole run (generation, checks, shrinking),
              and its ratio to raw pairs/s of the same family and encoding (bench.json:
              `checks_per_raw_ratio`, the worst; `checks`, every family and encoding).
3. pre-merge  wall seconds of `fuzz(history30, candidate=..., examples=200)` (the candidate
              against all 30 versions, both directions, 2 encodings), jobs default and 1.
4. scaling    the same candidate run at 5, 10, 20 and 40 fleet versions (jobs default): the
              newest N versions of a 40-version history, each against its next version.
5. memory     peak RSS of the 30-version pre-merge run and of a full fuzz of every meshtastic
              version (5 examples), each in its own child process: the child's VmHWM or its
              largest forked worker's ru_maxrss, whichever is larger, in MiB.

Generated histories come from benchmarks/history.py (a ~40-field proto3 telemetry message that
evolves from version to version), in a temporary directory. bench.json is written atomically
beside the Makefile. Run: `make bench` or `.venv/bin/python benchmarks/bench.py`; `--quick`
runs every figure on tiny settings, to try the bench itself (its numbers mean nothing).
"""

from __future__ import annotations

import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from history import write_candidate, write_history
from hypothesis import HealthCheck, Phase, given, seed, settings

import schemafuzz
from schemafuzz import Family, Version
from schemafuzz._internal.reporting import write_atomic

ROOT = Path(__file__).resolve().parent.parent
MESHTASTIC = ROOT.parent / "shared" / "realworld" / "meshtastic"
MESHTASTIC_ROOT = "MeshPacket"


@dataclass
class Config:
    messages: int = 300  # raw: messages generated per writer
    raw_writers: int = 6  # raw: writers of a long history, evenly spaced (all of a short one)
    long_history: int = 10  # raw: more versions than this make a long history
    check_examples: int = 20  # checks/s: examples per (writer, encoding) on the full matrix
    history: int = 30  # versions of the generated history
    premerge_examples: int = 200
    scaling: tuple[int, ...] = (5, 10, 20, 40)
    scaling_examples: int = 200
    meshtastic_examples: int = 5


QUICK = Config(30, 2, 4, 2, 6, 10, (3, 6), 10, 1)  # --quick: tries the bench, not for figures
PREMERGE_TARGET_S = 15.0
RSS_TARGET_MIB = 500.0


# ---------------------------------------------------------------------------------------------
# Families


@dataclass
class Subject:
    """A family the bench measures: its label, where it lives, its root."""

    label: str
    path: Path
    root: str | None = None
    single_writer: bool = False  # raw: only the last version writes

    def load(self, encodings: list[str] | None = None) -> Family:
        return schemafuzz.load_family(self.path, root=self.root, encodings=encodings)


def example_subjects() -> list[Subject]:
    found = sorted((ROOT / "schemas").glob("*/family.toml"))
    return [Subject(p.parent.name, p.parent) for p in found]


# ---------------------------------------------------------------------------------------------
# 1. raw: the codec alone


def pregenerate(version: Version, count: int) -> list[Any]:
    """`count` messages of `version`, drawn once by its Hypothesis strategy."""
    values: list[Any] = []

    @seed(1)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(version.codec.strategy())
    def collect(value: Any) -> None:
        values.append(value)

    collect()
    return values


Encode = Callable[[Any], Any]
Decode = Callable[[Any], Any]


def raw_codec(family: Family, writer: Version, reader: Version, encoding: str) -> tuple[Encode, Decode]:  # noqa: E501 # fmt: skip
    """The writer's encoder and the reader's decoder, as the libraries offer them: what
    schemafuzz's codecs call, without anything of schemafuzz around them."""
    w: Any = writer.codec
    r: Any = reader.codec
    if family.format == "proto":
        from google.protobuf import json_format

        cls = r.cls
        if encoding == "proto-binary":
            return (
                lambda value: value.message.SerializeToString(deterministic=True),
                cls.FromString,
            )
        ignore = family.options.get("proto_json_unknown") == "ignore"
        return (
            lambda value: json_format.MessageToJson(value.message, indent=None, sort_keys=True),
            lambda text: json_format.Parse(text, cls(), ignore_unknown_fields=ignore),
        )
    if family.format == "avro":
        import fastavro

        if encoding == "avro-binary":

            def avro_binary(value: Any) -> bytes:
                buffer = io.BytesIO()
                fastavro.schemaless_writer(buffer, w.raw, value)
                return buffer.getvalue()

            return avro_binary, lambda data: fastavro.schemaless_reader(
                io.BytesIO(data), w.raw, r.raw
            )

        def avro_json(value: Any) -> bytes:
            text = io.StringIO()
            fastavro.json_writer(text, w.raw, [value])
            return text.getvalue().encode("utf-8")

        return avro_json, lambda data: next(
            iter(fastavro.json_reader(io.StringIO(data.decode("utf-8")), w.raw, r.raw))
        )
    validator = r.validator
    if encoding == "cbor":
        import cbor2

        return cbor2.dumps, lambda data: validator.is_valid(cbor2.loads(data))
    return (
        lambda value: json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8"),
        lambda data: validator.is_valid(json.loads(data)),
    )


def spaced(versions: list[Version], count: int) -> list[Version]:
    """`count` versions evenly spaced from first to last (all of them when there are fewer)."""
    if len(versions) <= count:
        return list(versions)
    step = (len(versions) - 1) / (count - 1)
    return [versions[round(i * step)] for i in range(count)]


@dataclass
class Raw:
    pairs: int
    seconds: float
    writers: int

    @property
    def rate(self) -> float:
        return self.pairs / self.seconds


def raw_rates(family: Family, writers: list[Version], cfg: Config) -> dict[str, Raw]:
    """Pairs/s per encoding: each writer's messages encoded once, decoded by every other
    version. A decode that raises counts as a pair (the reader did the work)."""
    messages = {w.name: pregenerate(w, cfg.messages) for w in writers}
    out: dict[str, Raw] = {}
    for encoding in [e.name for e in family.encodings]:
        pairs, seconds = 0, 0.0
        for writer in writers:
            readers = [r for r in family.versions if r is not writer]
            codecs = [raw_codec(family, writer, r, encoding) for r in readers]
            encode = codecs[0][0]
            decoders = [d for _, d in codecs]
            start = time.perf_counter()
            for value in messages[writer.name]:
                try:
                    data = encode(value)
                except Exception:
                    continue  # the writer cannot encode its own value (a codec limit)
                for decode in decoders:
                    try:
                        decode(data)
                    except Exception:
                        pass
                pairs += len(decoders)
            seconds += time.perf_counter() - start
        out[encoding] = Raw(pairs, seconds, len(writers))
    return out


# ---------------------------------------------------------------------------------------------
# 2. checks/s: schemafuzz's own rate


@dataclass
class Checks:
    checks: int
    seconds: float
    findings: int

    @property
    def rate(self) -> float:
        return self.checks / self.seconds


def check_rate(subject: Subject, encoding: str, cfg: Config) -> Checks:
    family = subject.load(encodings=[encoding])
    start = time.perf_counter()
    report = schemafuzz.fuzz(family, examples=cfg.check_examples, jobs=1)
    seconds = time.perf_counter() - start
    checks = sum(pair.examples for pair in report.pairs)
    return Checks(checks, seconds, len(report.findings))


# ---------------------------------------------------------------------------------------------
# 3-5. runs in a child process: wall seconds of the fuzz call and the run's peak RSS


Run = dict[str, Any]  # what a child run reports (see `child`)


def run_child(path: Path, examples: int, jobs: int, candidate: Path | None = None,
              root: str | None = None) -> Run:  # fmt: skip
    """Fuzz in a fresh interpreter; its wall seconds (the `fuzz` call alone) and peak RSS."""
    spec = {
        "path": str(path),
        "examples": examples,
        "jobs": jobs,
        "candidate": str(candidate) if candidate else None,
        "root": root,
    }
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: Run = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def own_peak_mib() -> float:
    """This process's peak RSS. Linux keeps ru_maxrss across exec, so a child started by
    subprocess reports the bench's own peak as its floor; VmHWM belongs to the new address
    space alone."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024  # kB


def child(spec: dict[str, Any]) -> None:
    """The child's side: load, fuzz, print one JSON line."""
    family = schemafuzz.load_family(spec["path"], root=spec["root"])
    start = time.perf_counter()
    report = schemafuzz.fuzz(
        family, candidate=spec["candidate"], examples=spec["examples"], jobs=spec["jobs"]
    )
    seconds = time.perf_counter() - start
    own = own_peak_mib()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    print(
        json.dumps(
            {
                "seconds": seconds,
                "versions": len(family.versions),
                "pairs": len(report.pairs),
                "checks": sum(p.examples for p in report.pairs),
                "findings": len(report.findings),
                "rss_mib": max(own, workers),
                "rss_main_mib": own,
                "rss_workers_mib": workers,
            }
        )
    )


# ---------------------------------------------------------------------------------------------
# Printing


def table(title: str, header: list[str], rows: list[list[str]], note: str = "") -> None:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        first = f"{cells[0]:<{widths[0]}}"
        rest = [f"{c:>{w}}" for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    print(f"\n== {title}")
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))
    if note:
        print(note)
    sys.stdout.flush()


def progress(what: str) -> None:
    """What runs now, on stderr (some runs take minutes)."""
    print(f"  ... {what}", file=sys.stderr, flush=True)


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


# ---------------------------------------------------------------------------------------------
# Main


def figure_raw(subjects: list[Subject], cfg: Config) -> dict[str, dict[str, Raw]]:
    raw: dict[str, dict[str, Raw]] = {}
    rows = []
    for subject in subjects:
        family = subject.load()
        count = 1 if subject.single_writer else len(family.versions)
        if count > cfg.long_history:
            count = cfg.raw_writers
        progress(f"raw {subject.label}")
        raw[subject.label] = raw_rates(family, spaced(family.versions, count), cfg)
        for encoding, r in raw[subject.label].items():
            rows.append([subject.label, encoding, str(len(family.versions)), str(r.writers),
                         str(r.pairs), f"{r.rate:,.0f}"])  # fmt: skip
    table(
        "1. raw: the codec alone, encode with W + decode with every other R",
        ["family", "encoding", "versions", "writers", "pairs", "pairs/s"],
        rows,
        f"{cfg.messages} Hypothesis messages per writer; a long history: {cfg.raw_writers} "
        "writers evenly spaced, each message read by every other version",
    )
    return raw


def figure_checks(
    subjects: list[Subject], raw: dict[str, dict[str, Raw]], cfg: Config
) -> dict[str, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {}
    rows = []
    for subject in subjects:
        for encoding, r in raw[subject.label].items():
            progress(f"checks/s {subject.label} {encoding}")
            c = check_rate(subject, encoding, cfg)
            ratio = c.rate / r.rate
            checks[f"{subject.label}/{encoding}"] = {
                "checks": c.checks,
                "seconds": round(c.seconds, 2),
                "findings": c.findings,
                "checks_per_s": round(c.rate, 1),
                "raw_pairs_per_s": round(r.rate),
                "ratio": float(f"{ratio:.4g}"),
            }
            rows.append([subject.label, encoding, str(c.checks), f"{c.seconds:.1f}",
                         str(c.findings), f"{c.rate:,.0f}", f"{r.rate:,.0f}",
                         f"{ratio:.3g}"])  # fmt: skip
    worst = min(checks, key=lambda k: checks[k]["ratio"])
    table(
        f"2. checks/s: fuzz(family, examples={cfg.check_examples}, jobs=1) on the full matrix, "
        "one encoding at a time",
        ["family", "encoding", "checks", "seconds", "findings", "checks/s", "raw/s", "ratio"],
        rows,
        "seconds: the whole run (generation, checks, shrinking each distinct finding); "
        f"worst ratio {checks[worst]['ratio']:.3g} ({worst}).\ncharger also runs message "
        "sequences (state) and relay checks, which are not counted as checks",
    )
    return checks


def figure_premerge(history: Path, candidate: Path, cfg: Config, cores: int) -> dict[int, Run]:
    premerge: dict[int, Run] = {}
    for jobs in (0, 1):
        progress(f"pre-merge jobs {jobs or 'default'}")
        premerge[jobs] = run_child(history, cfg.premerge_examples, jobs, candidate)
    rows = [
        [f"default ({cores})" if jobs == 0 else str(jobs), f"{p['seconds']:.1f}", str(p["pairs"]),
         str(p["checks"]), str(p["findings"]),
         f"<= {PREMERGE_TARGET_S:.0f} s: {met(p['seconds'] <= PREMERGE_TARGET_S)}"]
        for jobs, p in premerge.items()
    ]  # fmt: skip
    table(
        f"3. pre-merge: history{cfg.history} + a candidate, "
        f"fuzz(candidate=..., examples={cfg.premerge_examples})",
        ["jobs", "seconds", "pairs", "checks", "findings", "target"],
        rows,
        "pairs: (writer, reader, encoding) with the candidate on one side",
    )
    return premerge


def fleet(history: Path, newest: int, dest: Path) -> Path:
    """A family of the `newest` newest versions of `history` (same names, same family.toml)."""
    dest.mkdir(parents=True)
    shutil.copy(history / "family.toml", dest / "family.toml")
    names = sorted((p.name for p in history.iterdir() if p.is_dir()), key=lambda n: int(n[1:]))
    for name in names[-newest:]:
        shutil.copytree(history / name, dest / name)
    return dest


def figure_scaling(fleets: dict[int, Path], candidate: Path, cfg: Config) -> dict[int, Run]:
    scaling: dict[int, Run] = {}
    for n, path in fleets.items():
        progress(f"scaling {n} versions")
        scaling[n] = run_child(path, cfg.scaling_examples, 0, candidate)
    rows = [
        [str(n), f"{s['seconds']:.1f}", f"{s['seconds'] / n:.2f}", str(s["pairs"]),
         str(s["checks"])]
        for n, s in scaling.items()
    ]  # fmt: skip
    note = (
        f"fleet: the newest N versions of a {max(cfg.scaling)}-version history, all against the "
        "same candidate (its next version);\nlinear growth shows as a flat s/version column"
    )
    if cfg.scaling_examples != cfg.premerge_examples:
        note += f" (examples={cfg.scaling_examples}, not {cfg.premerge_examples}, to keep the "
        note += "bench short)"
    table(
        f"4. scaling: the candidate run at {', '.join(map(str, cfg.scaling))} fleet versions, "
        f"examples={cfg.scaling_examples}, jobs default",
        ["versions", "seconds", "s/version", "pairs", "checks"],
        rows,
        note,
    )
    return scaling


def figure_memory(premerge: dict[int, Run], cfg: Config) -> dict[str, float | None]:
    mesh: Run | None = None
    reason = ""
    if MESHTASTIC.is_dir():
        progress("meshtastic, every version")
        mesh = run_child(MESHTASTIC, cfg.meshtastic_examples, 0, root=MESHTASTIC_ROOT)
    else:
        reason = f"meshtastic skipped: {MESHTASTIC} is absent"
    runs = [(f"pre-merge history{cfg.history}, jobs {jobs or 'default'}", p)
            for jobs, p in premerge.items()]  # fmt: skip
    if mesh is not None:
        runs.append((f"meshtastic, every version, examples={cfg.meshtastic_examples}", mesh))
    rows = [
        [name, f"{r['rss_main_mib']:.0f}", f"{r['rss_workers_mib']:.0f}", f"{r['rss_mib']:.0f}",
         f"< {RSS_TARGET_MIB:.0f}: {met(r['rss_mib'] < RSS_TARGET_MIB)}"]
        for name, r in runs
    ]  # fmt: skip
    table(
        "5. peak memory: max RSS in MiB, each run in its own child process",
        ["run", "main", "workers", "peak", "target"],
        rows,
        "main: the child's own peak; workers: the largest forked worker; peak: the larger. "
        + reason,
    )
    return {
        "premerge30": round(max(p["rss_mib"] for p in premerge.values()), 1),
        "meshtastic": round(mesh["rss_mib"], 1) if mesh is not None else None,
    }


def main(cfg: Config) -> int:
    started = time.perf_counter()
    cores = os.cpu_count() or 1
    print(f"schemafuzz bench: {cores} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="schemafuzz-bench-") as tmp:
        work = Path(tmp)
        biggest = max(cfg.scaling)
        sizes = sorted({cfg.history, biggest})
        histories = {n: write_history(work / f"history{n}", n) for n in sizes}
        candidates = {n: write_candidate(work / f"candidate{n}", histories[n]) for n in sizes}
        fleets = {n: fleet(histories[biggest], n, work / f"fleet{n}") for n in cfg.scaling}
        history = Subject(f"history{cfg.history}", histories[cfg.history])
        subjects = [*example_subjects(), history]
        if MESHTASTIC.is_dir():
            large = Subject("meshtastic", MESHTASTIC, MESHTASTIC_ROOT)
        else:
            print(f"{MESHTASTIC} is absent: the large message is a generated 40-field one")
            large = Subject("large (generated)", histories[cfg.history], single_writer=True)

        raw = figure_raw([*subjects, large], cfg)
        checks = figure_checks(subjects, raw, cfg)
        premerge = figure_premerge(histories[cfg.history], candidates[cfg.history], cfg, cores)
        scaling = figure_scaling(fleets, candidates[biggest], cfg)
        rss = figure_memory(premerge, cfg)

    worst = min(checks, key=lambda k: checks[k]["ratio"])
    premerge_seconds = {"jobs_default": premerge[0]["seconds"], "jobs_1": premerge[1]["seconds"]}
    targets = {
        f"pre-merge with jobs default <= {PREMERGE_TARGET_S:.0f} s": premerge_seconds[
            "jobs_default"
        ]
        <= PREMERGE_TARGET_S,
        f"peak RSS < {RSS_TARGET_MIB:.0f} MiB": all(
            v is None or v < RSS_TARGET_MIB for v in rss.values()
        ),
    }
    result: dict[str, Any] = {
        "checks_per_raw_ratio": checks[worst]["ratio"],
        "checks_per_raw_worst": worst,
        "premerge_seconds": {k: round(v, 2) for k, v in premerge_seconds.items()},
        "scaling_seconds": {str(n): round(s["seconds"], 2) for n, s in scaling.items()},
        "peak_rss_mib": rss,
        "raw_pairs_per_s": {
            f"{label}/{enc}": round(r.rate) for label, per in raw.items() for enc, r in per.items()
        },
        "checks": checks,
        "settings": {
            "raw_messages_per_writer": cfg.messages,
            "check_examples": cfg.check_examples,
            "history_versions": cfg.history,
            "premerge_examples": cfg.premerge_examples,
            "scaling_examples": cfg.scaling_examples,
            "meshtastic_examples": cfg.meshtastic_examples,
        },
        "targets_met": targets,
        "machine": {"cores": cores, "python": platform.python_version()},
        "bench_seconds": round(time.perf_counter() - started, 1),
    }
    write_atomic(ROOT / "bench.json", json.dumps(result, indent=2) + "\n")
    print("\n== summary")
    print(f"checks/raw ratio, worst   {result['checks_per_raw_ratio']:.3g} ({worst})")
    print(f"pre-merge seconds         {result['premerge_seconds']}")
    print(f"scaling seconds           {result['scaling_seconds']}")
    print(f"peak RSS MiB              {result['peak_rss_mib']}")
    for name, ok in targets.items():
        print(f"target {name}: {met(ok)}")
    print(f"bench took {result['bench_seconds']:.0f} s; wrote {ROOT / 'bench.json'}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(json.loads(sys.argv[2]))
        sys.exit(0)
    sys.exit(main(QUICK if sys.argv[1:] == ["--quick"] else Config()))
