"""Benchmarks: the codec's own speed (raw) against schemafuzz's checks on the same messages.

raw   = encode with the writer + decode with each reader, on pre-generated messages, with the
        codec alone (no schemafuzz code);
checks = schemafuzz's per-example loop on the same messages (decode + view + compare per reader);
fuzz  = wall seconds of a whole `fuzz` run of the example fleet, with --jobs default and 1.
Every figure of one table is measured in the same run. Writes bench.json (atomically).
Measured for the protobuf example families (thermostat, charger) for now.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings

from schemafuzz._internal.family import load_family
from schemafuzz._internal.matching import History, Planner
from schemafuzz._internal.model import Family, Version
from schemafuzz._internal.oracle import Oracle
from schemafuzz._internal.report import PairResult
from schemafuzz._internal.reporting import write_atomic
from schemafuzz._internal.runner import Check, RunOptions, WriterRun, run

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = 300


def pregenerate(version: Version, count: int) -> list[Any]:
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


def raw_rate(writer: Version, readers: list[Version], encoding: str, values: list[Any]) -> float:
    """Pairs per second, the codec alone: encode once with W, decode with every R."""
    from google.protobuf import json_format

    classes = [r.codec.cls for r in readers]  # type: ignore[attr-defined]
    start = time.perf_counter()
    pairs = 0
    for value in values:
        if encoding == "proto-binary":
            data = value.message.SerializeToString()
            for cls in classes:
                try:
                    cls.FromString(data)
                except Exception:
                    pass
                pairs += 1
        else:
            text = json_format.MessageToJson(value.message)
            for cls in classes:
                try:
                    json_format.Parse(text, cls(), ignore_unknown_fields=True)
                except Exception:
                    pass
                pairs += 1
    return pairs / (time.perf_counter() - start)


def check_rate(family: Family, writer: Version, readers: list[Version], encoding: str,
               values: list[Any]) -> float:  # fmt: skip
    """Checks per second: schemafuzz's per-example loop, one check per (example, reader)."""
    history = History(family.versions)
    enc = family.encoding(encoding)
    checks = [
        Check(
            r,
            Oracle(Planner(writer, r, enc, history).plan(), enc.keyed_by),
            PairResult(writer.name, r.name, encoding),
        )  # fmt: skip
        for r in readers
    ]
    writer_run = WriterRun(family, writer, enc, checks, RunOptions())
    start = time.perf_counter()
    for value in values:
        writer_run._observe(value)
    elapsed = time.perf_counter() - start
    return sum(c.result.examples for c in checks) / elapsed


def main() -> int:
    results: dict[str, Any] = {"families": {}}
    ratios: list[float] = []
    print(f"{'family':<12} {'encoding':<14} {'raw pairs/s':>12} {'checks/s':>10} {'ratio':>6}")
    for path in sorted((ROOT / "schemas").glob("*/family.toml")):
        family = load_family(path.parent)
        if family.format != "proto":
            continue  # the raw codec loop below is protobuf's; other formats come with issue 7
        writer = family.versions[-1]
        readers = [v for v in family.versions if v is not writer]
        values = pregenerate(writer, MESSAGES)
        for encoding in family.encodings:
            raw = raw_rate(writer, readers, encoding.name, values)
            checks = check_rate(family, writer, readers, encoding.name, values)
            ratios.append(checks / raw)
            results["families"][f"{family.name}/{encoding.name}"] = {
                "raw_pairs_per_s": round(raw),
                "checks_per_s": round(checks),
                "ratio": round(checks / raw, 3),
            }
            print(f"{family.name:<12} {encoding.name:<14} {raw:>12.0f} {checks:>10.0f} "
                  f"{checks / raw:>6.3f}")  # fmt: skip
        for jobs in (0, 1):
            start = time.perf_counter()
            run(family, RunOptions(jobs=jobs))
            seconds = time.perf_counter() - start
            results["families"][f"{family.name}/fuzz_seconds_jobs_{jobs or 'default'}"] = round(
                seconds, 2
            )
            print(f"{family.name:<12} fuzz (default examples), --jobs {jobs or 'default'}: "
                  f"{seconds:.1f} s")  # fmt: skip
    results["checks_per_raw_ratio"] = round(min(ratios), 3)
    results["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    write_atomic(ROOT / "bench.json", json.dumps(results, indent=2) + "\n")
    print(f"worst checks/raw ratio {results['checks_per_raw_ratio']}; "
          f"peak RSS {results['peak_rss_mib']} MiB; wrote bench.json")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
