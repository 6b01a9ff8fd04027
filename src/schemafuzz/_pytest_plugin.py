"""The pytest plugin (entry point `pytest11: schemafuzz`): the writer x reader matrix of the
families a suite names, as pytest items, plus a `schemafuzz_family` fixture.

Importing this module imports nothing heavy: families load, and Hypothesis and the codecs
import, only when the ini option names families or a test uses the fixture.

    [pytest]
    schemafuzz_families = schemas/thermostat schemas/tracker

One item per (family, writer, reader, encoding), named `<writer>-><reader>[<encoding>]` under a
`<family path>` collector, so `pytest -k "v3 and v5"` selects a pair. Each (family, writer,
encoding) is fuzzed once per process against every reader the session selected, with
schemafuzz's own seed, so the items never flake and the result does not depend on how
pytest-xdist splits them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

FAIL_ON = ("error", "warning", "info", "never")
_FAMILIES: dict[Path, Any] = {}  # loaded families, per process
_RUNS: dict[tuple[Any, ...], Any] = {}  # reports per (family, writer, encoding, readers, …)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("schemafuzz", "schemafuzz: cross-version schema fuzzing")
    group.addoption(
        "--schemafuzz-examples",
        type=int,
        default=None,
        help="schemafuzz: examples per writer and encoding (default 50).",
    )
    group.addoption(
        "--schemafuzz-seed",
        type=int,
        default=None,
        help="schemafuzz: the seed of the matrix items (default 0).",
    )
    group.addoption(
        "--schemafuzz-fail-on",
        default=None,
        choices=FAIL_ON,
        help="schemafuzz: a matrix item fails on findings at or above this (default error).",
    )
    parser.addini(
        "schemafuzz_families",
        type="args",
        default=[],
        help="schemafuzz: family directories whose version matrix becomes test items.",
    )
    parser.addini(
        "schemafuzz_manifest",
        default="",
        help="schemafuzz: a fleet manifest (schemafuzz.toml) whose families become test items.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "schemafuzz_family(*paths): the family directories the schemafuzz_family fixture "
        "loads (one test per family).",
    )


def _setting(config: pytest.Config, name: str, default: Any) -> Any:
    value = config.getoption(f"--schemafuzz-{name.replace('_', '-')}")
    return default if value is None else value


def _family_paths(config: pytest.Config) -> list[Path]:
    root = config.rootpath
    paths = [root / p for p in config.getini("schemafuzz_families")]
    manifest = config.getini("schemafuzz_manifest")
    if manifest:
        from schemafuzz._internal.manifest import find

        paths += [spec.path for spec in find(root, root / manifest).families]
    return paths


def _load(path: Path) -> Any:
    key = path.resolve()
    if key not in _FAMILIES:
        from schemafuzz import load_family

        _FAMILIES[key] = load_family(key)
    return _FAMILIES[key]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Add the matrix items before -k, -m and xdist see the collection."""
    paths = _family_paths(config)
    if not paths or _only_test_files(config):
        return
    from schemafuzz._internal.errors import InputError
    from schemafuzz._internal.outcome import shown_path

    for path in paths:
        shown = shown_path(path, config.rootpath)
        collector = FamilyCollector.from_parent(session, name=shown, nodeid=shown, path=path)
        found: list[pytest.Item | pytest.Collector]
        try:
            found = list(collector.collect())
            report = pytest.CollectReport(collector.nodeid, "passed", None, found)
        except InputError as exc:  # a broken schema: a collection error naming file:line
            found = []
            report = pytest.CollectReport(collector.nodeid, "failed", f"schemafuzz: {exc}", [])
        # Reported like any collected module: counted, and errors interrupt the session.
        config.hook.pytest_collectreport(report=report)
        items.extend(i for i in found if isinstance(i, pytest.Item))


def _only_test_files(config: pytest.Config) -> bool:
    """`pytest tests/test_x.py` (or a node id in it) runs just that: no matrix items."""
    args = [a for a in config.args if not a.startswith("-")]
    return bool(args) and all(a.split("::")[0].endswith(".py") for a in args)


class FamilyCollector(pytest.Collector):
    """A family directory: one item per (writer, reader, encoding)."""

    def __init__(self, *, path: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.family_path = path

    def collect(self) -> list[MatrixItem]:
        family = _load(self.family_path)
        return [
            MatrixItem.from_parent(
                self,
                name=f"{writer.name}->{reader.name}[{encoding.name}]",
                writer=writer.name,
                reader=reader.name,
                encoding=encoding.name,
            )
            for writer in family.versions
            for reader in family.versions
            if writer is not reader
            for encoding in family.encodings
        ]


class SchemafuzzFailure(Exception):
    """A matrix item found data loss; its message is the readable list of findings."""


class MatrixItem(pytest.Item):
    """One (family, writer, reader, encoding)."""

    def __init__(self, *, writer: str, reader: str, encoding: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.writer = writer
        self.reader = reader
        self.encoding = encoding

    @property
    def family_path(self) -> Path:
        parent = self.parent
        assert isinstance(parent, FamilyCollector)
        return parent.family_path

    def _readers(self) -> tuple[str, ...]:
        """Every reader of this (family, writer, encoding) the session runs: the same set in
        every xdist worker, so each worker's shrinking gives the same minimal examples."""
        items = self.session.items or [self]
        return tuple(
            sorted(
                {
                    i.reader
                    for i in items
                    if isinstance(i, MatrixItem)
                    and (i.family_path, i.writer, i.encoding)
                    == (self.family_path, self.writer, self.encoding)
                }
                | {self.reader}
            )
        )

    def runtest(self) -> None:
        from schemafuzz._internal.api import describe
        from schemafuzz._internal.catalog import Severity
        from schemafuzz._internal.runner import RunOptions, run

        config = self.config
        examples = _setting(config, "examples", 50)
        seed = _setting(config, "seed", 0)
        fail_on = _setting(config, "fail_on", "error")
        readers = self._readers()
        key = (self.family_path, self.writer, self.encoding, readers, examples, seed)
        if key not in _RUNS:
            family = _load(self.family_path)
            options = RunOptions(
                examples=examples,
                seed=seed,
                writers=[self.writer],
                readers=list(readers),
                encodings=[self.encoding],
                jobs=1,
            )
            _RUNS[key] = run(family, options)
        findings = [f for f in _RUNS[key].findings if f.reader == self.reader]
        if fail_on == "never":
            return
        threshold = Severity.parse(fail_on)
        bad = [f for f in findings if f.severity >= threshold]
        if bad:
            what = f"{self.parent.name if self.parent else ''} {self.writer} -> {self.reader}"
            raise SchemafuzzFailure(describe(bad, what.strip()))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, SchemafuzzFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.family_path, None, f"schemafuzz {self.name}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`@pytest.mark.schemafuzz_family("a", "b")`: one test per family for the fixture."""
    if "schemafuzz_family" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("schemafuzz_family")
    if marker is None or not marker.args:
        return
    paths = [str(p) for p in marker.args]
    metafunc.parametrize(
        "schemafuzz_family", paths, indirect=True, ids=[Path(p).name for p in paths]
    )


@pytest.fixture
def schemafuzz_family(request: pytest.FixtureRequest) -> Any:
    """The `schemafuzz.Family` the test's `schemafuzz_family` marker names (a path relative to
    the rootdir), loaded once per process."""
    path = getattr(request, "param", None)
    if path is None:
        raise pytest.UsageError(
            "the schemafuzz_family fixture needs @pytest.mark.schemafuzz_family('path')"
        )
    return _load(request.config.rootpath / path)
