"""The baseline: accepted findings as stable fingerprints, in `.schemafuzz-baseline.json`.

A fingerprint holds only what does not change between runs (kind, family, encoding, field path,
the deployed version on the other side of the candidate, the direction, and the relay when there
is one): never an example, a value or a seed.
"""

from __future__ import annotations

import json
from pathlib import Path

from schemafuzz._internal.errors import InputError
from schemafuzz._internal.outcome import Verdict

FORMAT = 1
Fingerprint = tuple[tuple[str, str], ...]


def key(entry: dict[str, str]) -> Fingerprint:
    return tuple(sorted(entry.items()))


def load(path: Path) -> list[dict[str, str]]:
    """The entries of a baseline file; none when it does not exist."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a schemafuzz baseline (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}:{exc.lineno}:{exc.colno}: not a schemafuzz baseline (invalid JSON: {exc.msg})"
        ) from None
    entries = data.get("findings") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or data.get("schemafuzz_baseline") != FORMAT
        or not isinstance(entries, list)
        or not all(
            isinstance(e, dict) and all(isinstance(v, str) for v in e.values()) for e in entries
        )
    ):
        raise InputError(
            f"{path}: not a schemafuzz baseline (expected "
            f'{{"schemafuzz_baseline": {FORMAT}, "findings": [...]}}; '
            "write one with `schemafuzz baseline`)"
        )
    return entries


def render(verdicts: list[Verdict], kept: list[dict[str, str]] | None = None) -> str:
    """The baseline file's text for these findings (and entries `kept` from the old file):
    sorted, without duplicates."""
    unique = {key(e): e for e in kept or []}
    unique.update({key(v.fingerprint()): v.fingerprint() for v in verdicts})
    entries = [unique[k] for k in sorted(unique)]
    body = {"schemafuzz_baseline": FORMAT, "findings": entries}
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
