"""Hypothesis, driven directly: draw examples fast, replay them, shrink a known failure.

Discovery does not need Hypothesis's whole engine (example database, health checks, the tree of
tried choices, per-example bookkeeping): it draws each example straight from the strategy with a
seeded random source and keeps the example's *choice sequence*. A finding is then shrunk by
Hypothesis's own shrinker, starting from the choices that showed it, instead of searching for it
again. Every reported example is still one Hypothesis drew and shrank from the run's seed, so
the same seed gives the same report and the reproduce command finds the same minimal example.

This is the only module that touches Hypothesis internals (`hypothesis.internal.conjecture`);
`pyproject.toml` bounds the Hypothesis version accordingly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from random import Random
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis.control import BuildContext
from hypothesis.errors import HypothesisException, StopTest, UnsatisfiedAssumption
from hypothesis.internal.conjecture.choice import ChoiceTemplate
from hypothesis.internal.conjecture.data import ConjectureData, Status
from hypothesis.internal.conjecture.engine import ConjectureRunner
from hypothesis.internal.escalation import InterestingOrigin

Choices = tuple[Any, ...]
MAX_CHOICES = 8 * 1024  # an example needing more is abandoned, like Hypothesis's own overrun
MAX_STALL = 50
# Test runs one shrink may make. Counted, so deterministic; the long tail of a shrink polishes
# an example that is already small, at a second or more per finding on a 40-field message.
MAX_SHRINK_CALLS = 150
# Lookups one shrink may make: test runs plus candidates the shrinker's cache or choice tree
# already answers. Those cost almost as much as a run (the tree replays the choices), and a
# shrink that keeps proposing known candidates makes hundreds of them for nothing.
MAX_SHRINK_LOOKUPS = 4 * MAX_SHRINK_CALLS

_ORIGIN = InterestingOrigin(AssertionError, "schemafuzz", 0, (), ())
_SIMPLEST = (ChoiceTemplate("simplest", count=None),)
_INVALID = object()


class Rejected(Exception):  # noqa: N818 - a rejected draw, as Hypothesis's `reject()`
    """A fast generator gave up on this example (a filter or validation kept failing)."""


def _choice_key(choice: Any) -> tuple[Any, ...]:
    if isinstance(choice, (bool, int)):
        return (0, abs(choice), choice < 0)
    if isinstance(choice, float):
        finite = choice == choice and abs(choice) != float("inf")
        return (1, not finite, abs(choice) if finite else 0.0, str(choice).startswith("-"))
    if isinstance(choice, (str, bytes)):
        return (2 if isinstance(choice, str) else 3, len(choice), choice)
    return (4,)


def simpler(choices: Choices, than: Choices) -> bool:
    """Whether `choices` is the simpler start for a shrink: shorter, then smaller choice by
    choice (Hypothesis's shortlex order, approximated without the choices' constraints)."""
    if len(choices) != len(than):
        return len(choices) < len(than)
    for mine, theirs in zip(choices, than, strict=True):
        if mine != theirs or type(mine) is not type(theirs):
            a, b = _choice_key(mine), _choice_key(theirs)
            if a != b:
                return a < b
    return False


def _no_test() -> None:  # BuildContext wants the test it runs in; there is none
    return None


def _draw(strategy: Any, data: ConjectureData) -> Any:
    """One value from `strategy` on `data`, or _INVALID when the draw is rejected."""
    try:
        with BuildContext(data, wrapped_test=_no_test, is_final=False):
            return data.draw(strategy)
    except (StopTest, HypothesisException):  # overrun, rejected draw, unsatisfied filter
        return _INVALID


def draw_from(strategy: Any, random: Random | None) -> tuple[Any, Choices]:
    """One value of `strategy` and the choices that made it, drawn with `random` (None: the
    simplest); raises Rejected when the draw is rejected. For the few values a fast generator
    takes from a Hypothesis strategy as it is (a regex, a date-time)."""
    prefix = _SIMPLEST if random is None else ()
    data = ConjectureData(random=random or Random(0), prefix=prefix, max_choices=MAX_CHOICES)
    value = _draw(strategy, data)
    data.freeze()
    if value is _INVALID:
        raise Rejected
    return value, tuple(data.choices)


class Drawer:
    """Examples from `strategy`, seeded: the simplest one first, then random ones.

    With a `sampler` (`sampling.Sampler`, whose strategy is `strategy`), examples come from its
    fast random source instead of Hypothesis's draw machinery: the same choice sequences, made
    without it.
    """

    def __init__(self, strategy: Any, seed: int, sampler: Any = None) -> None:
        strategy.validate()
        self.strategy = strategy
        self.sampler = sampler
        self.random = Random(seed)
        self.first = True

    def draw(self) -> tuple[Any, Choices] | None:
        """A value and the choices that make it; None for a rejected draw."""
        first, self.first = self.first, False
        if self.sampler is not None:
            try:
                drawn: tuple[Any, Choices] = (
                    self.sampler.simplest() if first else self.sampler.draw(self.random)
                )
            except Rejected:
                return None
            return drawn
        prefix = _SIMPLEST if first else ()
        data = ConjectureData(random=self.random, prefix=prefix, max_choices=MAX_CHOICES)
        value = _draw(self.strategy, data)
        data.freeze()
        if value is _INVALID:
            return None
        return value, tuple(data.choices)


def replay(strategy: Any, choices: Sequence[Any]) -> Any | None:
    """The value `choices` make with `strategy` (None when they no longer make one)."""
    data = ConjectureData.for_choices(tuple(choices))
    value = _draw(strategy, data)
    data.freeze()
    return None if value is _INVALID else value


def shrink(
    strategy: Any, choices: Choices, holds: Callable[[Any], bool], seed: int
) -> Choices | None:
    """The smallest choices Hypothesis's shrinker finds, starting from `choices`, whose value
    still satisfies `holds`; None when `choices` do not satisfy it to begin with."""

    calls = 0
    shrinkers: list[Any] = []

    def test(data: ConjectureData) -> None:
        nonlocal calls
        calls += 1
        if calls > MAX_SHRINK_CALLS and shrinkers:
            shrinkers[0].max_stall = 0  # Hypothesis's own stop: the next step ends the shrink
        # An overrun raises StopTest, which the runner expects to see; a rejected draw (a filter,
        # `reject()`, a float32 overflow) is made one.
        try:
            with BuildContext(data, wrapped_test=_no_test, is_final=False):
                value = data.draw(strategy)
        except UnsatisfiedAssumption:
            data.mark_invalid()
        if holds(value):
            data.mark_interesting(_ORIGIN)

    runner = ConjectureRunner(
        test,
        settings=settings(
            database=None,
            deadline=None,
            phases=[Phase.shrink],
            suppress_health_check=list(HealthCheck),
            derandomize=False,
            report_multiple_bugs=False,
        ),
        random=Random(seed),
    )
    start = runner.cached_test_function(choices)
    if start.status != Status.INTERESTING:
        return None
    lookup = runner.cached_test_function
    lookups = 0

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal lookups
        lookups += 1
        if lookups > MAX_SHRINK_LOOKUPS:
            shrinkers[0].max_stall = 0  # as for calls: the shrinker stops at its next check
        return lookup(*args, **kwargs)

    runner.cached_test_function = counted  # type: ignore[method-assign]
    shrinker = runner.new_shrinker(
        start,  # type: ignore[arg-type]
        lambda d: (
            d.status == Status.INTERESTING and getattr(d, "interesting_origin", None) == _ORIGIN
        ),
    )
    # Stop after this many calls without progress (Hypothesis: 200). Counted in calls, so
    # deterministic; a report needs a small example, not the last step to the smallest.
    shrinker.max_stall = MAX_STALL
    shrinkers.append(shrinker)
    shrinker.shrink()
    return tuple(shrinker.shrink_target.choices)
