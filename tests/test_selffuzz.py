"""schemafuzz fuzzed with generated schema histories: the invariants of tests/selffuzz/check.py
over a few hundred histories (`make selffuzz` runs thousands)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.selffuzz.check import check_history
from tests.selffuzz.histories import HISTORIES
from tests.selffuzz.history import History

REGRESSIONS = Path(__file__).parent / "selffuzz" / "regressions"

BUDGET = {"proto": 80, "avro": 70, "jsonschema": 30}  # 180 histories


@pytest.mark.parametrize("fmt", sorted(HISTORIES))
def test_invariants_hold_on_generated_histories(fmt: str) -> None:
    @seed(2026)
    @settings(
        max_examples=BUDGET[fmt],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
    )
    @given(HISTORIES[fmt]())
    def run(history: Any) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            check_history(history, Path(tmp), examples=5)

    run()


@pytest.mark.parametrize(
    "case", sorted(p for p in REGRESSIONS.iterdir() if p.is_dir()), ids=lambda p: p.name
)
def test_found_histories_stay_fixed(case: Path, tmp_path: Path) -> None:
    """Histories self-fuzzing once broke an invariant with (tests/selffuzz/regressions/)."""
    check_history(History.read(case), tmp_path, examples=8)
