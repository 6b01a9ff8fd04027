"""`make selffuzz [N=1000] [SEED=0]`: N generated histories per format through the invariants of
tests/selffuzz/check.py, in this process. A broken invariant is shrunk by Hypothesis to a
minimal history and printed; the exit code is 1 then, 0 when every history held."""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.selffuzz.check import Broken, check_history
from tests.selffuzz.histories import HISTORIES


def campaign(
    fmt: str, count: int, run_seed: int, examples: int, progress: int = 0, shard: int = -1
) -> tuple[int, int, str | None]:
    """`count` histories of `fmt` through the invariants: (histories run, findings, the broken
    invariant or None). Shard i >= 0 of a parallel campaign draws from its own Hypothesis seed
    "run_seed/i", so the shards' histories differ; the tool itself always runs with run_seed."""
    stats = {"histories": 0, "findings": 0}
    start = time.perf_counter()
    label = fmt if shard < 0 else f"{fmt}[{shard}]"
    broken: list[str] = []

    @seed(run_seed if shard < 0 else f"{run_seed}/{shard}")
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
        print_blob=False,
    )
    @given(HISTORIES[fmt]())
    def run(history: Any) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            stats["histories"] += 1
            if progress and stats["histories"] % progress == 0:
                print(
                    f"{label}: {stats['histories']} histories, {stats['findings']} findings, "
                    f"{time.perf_counter() - start:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
            try:
                stats["findings"] += check_history(history, Path(tmp), examples, run_seed)
            except Broken as exc:
                broken[:] = [str(exc)]
                raise

    try:
        run()
    except Broken:
        # At once, not when the other shards end: a long campaign is watched through its log.
        print(f"{label}: BROKEN after {stats['histories']} histories\n{broken[0]}",
              file=sys.stderr, flush=True)  # fmt: skip
    return stats["histories"], stats["findings"], broken[0] if broken else None


def _shard(job: tuple[str, int, int, int, int, int]) -> tuple[int, int, str | None]:
    fmt, count, run_seed, examples, progress, shard = job
    return campaign(fmt, count, run_seed, examples, progress, shard)


def parallel(
    fmt: str, count: int, run_seed: int, examples: int, progress: int, jobs: int
) -> tuple[int, int, str | None]:
    """The campaign split over `jobs` processes, each running its share of histories in
    process; one process runs exactly `campaign(fmt, count, run_seed, …)`."""
    if jobs <= 1:
        return campaign(fmt, count, run_seed, examples, progress)
    shares = [count // jobs + (i < count % jobs) for i in range(jobs)]
    work = [(fmt, share, run_seed, examples, progress, i) for i, share in enumerate(shares)]
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        results = pool.map(_shard, work, chunksize=1)
    broken = next((b for _, _, b in results if b), None)
    return sum(r[0] for r in results), sum(r[1] for r in results), broken


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.selffuzz")
    parser.add_argument("--n", type=int, default=1000, help="histories per format")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=int, default=8, help="examples per writer")
    parser.add_argument("--format", action="append", choices=sorted(HISTORIES))
    parser.add_argument(
        "--progress", type=int, default=0, metavar="K", help="a line on stderr every K histories"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="processes per format, each with its own seed"
    )
    args = parser.parse_args()
    status = 0
    for fmt in args.format or sorted(HISTORIES):
        start = time.perf_counter()
        histories, findings, broken = parallel(
            fmt, args.n, args.seed, args.examples, args.progress, args.jobs
        )
        seconds = time.perf_counter() - start
        verdict = "BROKEN" if broken else "ok"
        print(
            f"{fmt}: {histories} histories run (including shrinking), {findings} findings, "
            f"{seconds:.0f} s: {verdict}",
            flush=True,
        )
        if broken:
            print(broken, flush=True)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
