"""Generators that run two ways: fast, from a seeded random source, for discovery; and as a
Hypothesis strategy, for shrinking and for users' `@given` tests.

A generator is plain code over a `Source` of five primitives (integer in a range, boolean,
float, text, bytes). Each primitive is exactly one Hypothesis choice (`st.integers(lo, hi)`,
`st.booleans()`, `st.floats()`, `st.text(...)`, `st.binary(...)`), so the random source records
the very choice sequence the strategy would have consumed to make the same value: Hypothesis
replays and shrinks it. Two more: `strategy(s)` draws a value from a Hypothesis strategy as it is
(its choices recorded the same way: for regexes, date-times and the like), and `reject()` gives
up on the example (a filter that keeps failing), as Hypothesis's `reject()` does. Discovery
then costs a few microseconds per choice instead of Hypothesis's per-draw machinery, and every
reported example is still one Hypothesis shrank.
"""

from __future__ import annotations

import functools
import math
import struct
from collections.abc import Callable, Iterable
from random import Random
from typing import Any, NoReturn, Protocol

from hypothesis import reject
from hypothesis import strategies as st

from schemafuzz._internal.engine import Rejected, draw_from


class Source(Protocol):
    def integer(self, low: int, high: int) -> int: ...

    def boolean(self) -> bool: ...

    def floating(self, width: int) -> float:
        """Any double (the width only steers the random source's magnitudes)."""
        ...

    def text(self, max_size: int) -> str: ...

    def binary(self, max_size: int) -> bytes: ...

    def strategy(self, strategy: st.SearchStrategy[Any]) -> Any: ...

    def reject(self) -> NoReturn:
        """Give up on this example."""
        ...


Generator = Callable[[Source], Any]

# Code points the random source draws text from (no surrogates: st.characters(codec="utf-8")).
_POOL = (
    [chr(c) for c in range(0x20, 0x7F)] * 3
    + list("\x00\t\n\x7f\x80\xa0éüß©ÆØ")
    + list("温度設定ёжщ\u2028\ufeff\ufffd")
    + ["\U0001f600", "\U0001f4a9", "\U00010348", "\U0010fffd"]
)
_SIZES = (0, 0, 1, 1, 2, 3, 4, 6, 9, 14, 20, 40)


class RandomSource:
    """Random choices, recorded as Hypothesis's choice sequence."""

    def __init__(self, random: Random) -> None:
        self.random = random
        self.choices: list[Any] = []

    def integer(self, low: int, high: int) -> int:
        r = self.random
        if high - low <= 1024:
            value = r.randint(low, high)
        else:
            bits = r.randint(0, max(abs(low), abs(high)).bit_length())
            value = r.getrandbits(bits) if bits else 0
            if low < 0 and (high <= 0 or r.random() < 0.5):
                value = -value
            value = min(max(value, low), high)
        self.choices.append(value)
        return value

    def boolean(self) -> bool:
        value = self.random.random() < 0.5
        self.choices.append(value)
        return value

    def floating(self, width: int) -> float:
        r = self.random
        mode = r.random()
        if mode < 0.25:
            value = float(r.randint(-100, 100))
        elif mode < 0.5:
            value = round(r.uniform(-1000, 1000), r.randint(0, 6))
        else:
            top = 127 if width == 32 else 1023
            value = math.ldexp(r.random(), r.randint(-top - 20, top))
            value = -value if r.random() < 0.5 else value
        self.choices.append(value)
        return value

    def text(self, max_size: int) -> str:
        r = self.random
        size = min(r.choice(_SIZES), max_size)
        value = "".join(r.choice(_POOL) for _ in range(size))
        self.choices.append(value)
        return value

    def binary(self, max_size: int) -> bytes:
        size = min(self.random.choice(_SIZES), max_size)
        value = self.random.randbytes(size)
        self.choices.append(value)
        return value

    def strategy(self, strategy: st.SearchStrategy[Any]) -> Any:
        value, choices = draw_from(strategy, self.random)
        self.choices.extend(choices)
        return value

    def reject(self) -> NoReturn:
        raise Rejected


class SimplestSource(RandomSource):
    """The simplest choice everywhere: 0 (or the bound nearest it), False, 0.0, empty."""

    def __init__(self) -> None:
        super().__init__(Random(0))

    def integer(self, low: int, high: int) -> int:
        value = low if low > 0 else high if high < 0 else 0
        self.choices.append(value)
        return value

    def boolean(self) -> bool:
        self.choices.append(False)
        return False

    def floating(self, width: int) -> float:
        self.choices.append(0.0)
        return 0.0

    def text(self, max_size: int) -> str:
        self.choices.append("")
        return ""

    def binary(self, max_size: int) -> bytes:
        self.choices.append(b"")
        return b""

    def strategy(self, strategy: st.SearchStrategy[Any]) -> Any:
        value, choices = draw_from(strategy, None)
        self.choices.extend(choices)
        return value


@functools.lru_cache(maxsize=4096)
def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


_BOOLEANS = st.booleans()
_FLOATS = st.floats()
_CHARACTERS = st.characters(codec="utf-8")


@functools.lru_cache(maxsize=64)
def _text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(_CHARACTERS, max_size=max_size)


@functools.lru_cache(maxsize=64)
def _binary(max_size: int) -> st.SearchStrategy[bytes]:
    return st.binary(max_size=max_size)


class DrawSource:
    """The same primitives drawn through Hypothesis (inside `st.composite`)."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self.draw = draw

    def integer(self, low: int, high: int) -> int:
        value: int = self.draw(_integers(low, high))
        return value

    def boolean(self) -> bool:
        value: bool = self.draw(_BOOLEANS)
        return value

    def floating(self, width: int) -> float:
        value: float = self.draw(_FLOATS)
        return value

    def text(self, max_size: int) -> str:
        value: str = self.draw(_text(max_size))
        return value

    def binary(self, max_size: int) -> bytes:
        value: bytes = self.draw(_binary(max_size))
        return value

    def strategy(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.draw(strategy)

    def reject(self) -> NoReturn:
        reject()


class Sampler:
    """A generator with both faces: `draw(random)` and `strategy()`."""

    def __init__(self, generate: Generator, truncated: Iterable[str] = ()) -> None:
        self.generate = generate
        self._strategy: st.SearchStrategy[Any] | None = None
        self.truncated = sorted(truncated)  # what a resource bound kept from being generated

    def draw(self, random: Random) -> tuple[Any, tuple[Any, ...]]:
        source = RandomSource(random)
        value = self.generate(source)
        return value, tuple(source.choices)

    def simplest(self) -> tuple[Any, tuple[Any, ...]]:
        source = SimplestSource()
        value = self.generate(source)
        return value, tuple(source.choices)

    def strategy(self) -> st.SearchStrategy[Any]:
        if self._strategy is None:
            generate = self.generate

            @st.composite
            def drawn(draw: Any) -> Any:
                return generate(DrawSource(draw))

            self._strategy = drawn()
        return self._strategy


# ---------------------------------------------------------------------------------------------
# Building blocks shared by the formats' generators


def pick(values: tuple[Any, ...] | list[Any]) -> Generator:
    """One of `values` (shrinks towards the first)."""
    items = tuple(values)
    last = len(items) - 1
    return lambda s: items[s.integer(0, last)]


def plain_or_edge(
    plain: Generator, edges: tuple[Any, ...] | list[Any], weight: int = 1
) -> Generator:
    """`plain` or one of `edges` (edges `weight` times as likely); shrinks to plain."""
    choose = pick(edges)

    def generate(s: Source) -> Any:
        return plain(s) if s.integer(0, weight) == 0 else choose(s)

    return generate


def float32(value: float) -> float:
    """`value` as a float32 holds it (overflow to ±inf)."""
    if math.isnan(value) or math.isinf(value):
        return value
    try:
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


def sized(element: Generator, max_size: int) -> Callable[[Source], list[Any]]:
    """A list of up to `max_size` elements (shrinks towards fewer)."""
    return lambda s: [element(s) for _ in range(s.integer(0, max_size))]
