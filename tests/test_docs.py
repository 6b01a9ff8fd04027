"""The examples of docs/library.md and docs/pytest.md run as tests, so they stay true."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import schemafuzz._internal.formats.proto
import schemafuzz._internal.formats.proto_strategies  # noqa: F401  (see test_plugin.py)
from tests.conftest import ROOT

DOCS = ROOT / "docs"


def blocks(page: Path, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", page.read_text(), re.M | re.S)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project with the paths the documentation uses."""
    shutil.copytree(DOCS / "examples", pytester.path / "docs" / "examples")
    fixture = ROOT / "tests" / "fixtures" / "proto" / "int32-to-uint32"
    shutil.copytree(fixture, pytester.path / "tests" / "fixtures" / "proto" / fixture.name)
    return pytester


def test_library_examples_run(project: pytest.Pytester) -> None:
    code = blocks(DOCS / "library.md", "python")
    assert len(code) == 3
    for i, block in enumerate(code):
        project.makepyfile(**{f"test_library_{i}": block})
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_pytest_page_examples_run(project: pytest.Pytester) -> None:
    [ini] = blocks(DOCS / "pytest.md", "ini")
    [code] = blocks(DOCS / "pytest.md", "python")
    project.makeini(ini)
    project.makepyfile(test_fixture=code)
    result = project.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=12 + 1)
    result.stdout.fnmatch_lines(["*docs/examples/sensor::v1->v2?proto-binary? PASSED*"])
    result.stdout.fnmatch_lines(["*test_the_newest_version*PASSED*"])
