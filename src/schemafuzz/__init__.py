"""schemafuzz: fuzz every version of a schema family against every other with the real
encoders and decoders, and find the data a fleet silently loses between them.

The library surface (everything else lives in `schemafuzz._internal` and may change):

    family = schemafuzz.load_family("schemas/thermostat")
    report = schemafuzz.fuzz(family, candidate="new/thermostat.proto")
    schemafuzz.assert_compatible(family.version("v5"), family.version("v7"))

`schemafuzz.strategies` holds Hypothesis strategies for a version's messages; the pytest plugin
(registered as `schemafuzz`) turns the matrix into test items. Importing this package loads
neither Hypothesis nor any codec: they load when a function runs.
"""

import typing as _typing

from schemafuzz._internal.api import assert_compatible, check_pair, fuzz, load_family
from schemafuzz._internal.catalog import KINDS, Finding, Kind, Severity
from schemafuzz._internal.errors import InputError, SchemafuzzError
from schemafuzz._internal.model import Family, Version
from schemafuzz._internal.report import PairResult, Report

if _typing.TYPE_CHECKING:
    from schemafuzz import strategies

__all__ = [
    "KINDS",
    "Family",
    "Finding",
    "InputError",
    "Kind",
    "PairResult",
    "Report",
    "SchemafuzzError",
    "Severity",
    "Version",
    "assert_compatible",
    "check_pair",
    "fuzz",
    "load_family",
    "strategies",
]


def __getattr__(name: str) -> _typing.Any:
    """`schemafuzz.strategies` imports Hypothesis: load it on first use."""
    if name == "strategies":
        import importlib

        return importlib.import_module("schemafuzz.strategies")
    raise AttributeError(f"module 'schemafuzz' has no attribute {name!r}")
