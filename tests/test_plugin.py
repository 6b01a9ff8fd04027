"""The pytest plugin, through pytester: matrix items, failures, the fixture, options, xdist,
Hypothesis profiles."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

# In-process pytester runs restore sys.modules afterwards; a C extension (protobuf's upb) must
# not be imported afresh by a later run, so load the codecs here, once, for every run.
import schemafuzz._internal.formats.proto
import schemafuzz._internal.formats.proto_strategies  # noqa: F401
from tests.conftest import PROTO, ROOT

SENSOR = ROOT / "docs" / "examples" / "sensor"
SIGN = PROTO / "int32-to-uint32"


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A suite with two families beside it: `sensor` (clean) and `sign` (int32 -> uint32)."""
    shutil.copytree(SENSOR, pytester.path / "sensor")
    shutil.copytree(SIGN, pytester.path / "sign")
    return pytester


def test_matrix_items_are_collected(suite: pytest.Pytester) -> None:
    suite.makeini("[pytest]\nschemafuzz_families = sensor sign\n")
    result = suite.runpytest("--collect-only", "-q")
    ids = [line for line in result.outlines if "::" in line]
    assert "sensor::v1->v2[proto-binary]" in ids
    assert "sensor::v3->v1[proto-json]" in ids
    assert "sign::v2->v1[proto-binary]" in ids
    assert len([i for i in ids if i.startswith("sensor::")]) == 3 * 2 * 2
    assert len([i for i in ids if i.startswith("sign::")]) == 2


def test_clean_family_passes_and_k_selects_a_pair(suite: pytest.Pytester) -> None:
    suite.makeini("[pytest]\nschemafuzz_families = sensor\n")
    result = suite.runpytest("-k", "v1 and v3", "--schemafuzz-examples", "20", "-v")
    result.assert_outcomes(passed=4, deselected=8)
    result.stdout.fnmatch_lines(["*sensor::v1->v3?proto-binary? PASSED*"])


def test_failing_pair_shows_the_finding(suite: pytest.Pytester) -> None:
    suite.makeini("[pytest]\nschemafuzz_families = sign\n")
    result = suite.runpytest("--schemafuzz-examples", "30")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*schemafuzz: 1 finding(s) for sign v1 -> v2:",
            "*- value-changed (error) at temp, proto-binary: wrote -1, read 4294967295",
            "*why: field 1 `temp` is int32 in v1 and uint32 in v2",
            '*minimal example: {"temp": -1}',
            "*reproduce: schemafuzz fuzz * --writer v1 --reader v2 --encoding proto-binary*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_fail_on_and_seed_options(suite: pytest.Pytester) -> None:
    suite.makeini("[pytest]\nschemafuzz_families = sign\n")
    never = suite.runpytest("--schemafuzz-fail-on", "never", "--schemafuzz-seed", "7")
    never.assert_outcomes(passed=2)
    bad = suite.runpytest("--schemafuzz-fail-on", "sometimes")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR


def test_only_test_files_means_no_matrix(suite: pytest.Pytester) -> None:
    suite.makeini("[pytest]\nschemafuzz_families = sign\n")
    suite.makepyfile(test_mine="def test_one():\n    pass\n")
    result = suite.runpytest("test_mine.py")
    result.assert_outcomes(passed=1)


def test_broken_family_is_a_collection_error(suite: pytest.Pytester) -> None:
    (suite.path / "broken" / "v1").mkdir(parents=True)
    (suite.path / "broken" / "v1" / "x.proto").write_text('syntax = "proto3";\nmessage {\n')
    suite.makeini("[pytest]\nschemafuzz_families = broken\n")
    result = suite.runpytest()
    result.stdout.fnmatch_lines(["*schemafuzz: *x.proto:2:*"])
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_the_family_fixture_and_marker(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_fixture="""
        import pytest
        import schemafuzz

        @pytest.mark.schemafuzz_family("sensor", "sign")
        def test_names(schemafuzz_family):
            assert isinstance(schemafuzz_family, schemafuzz.Family)
            assert schemafuzz_family.name in ("sensor", "sign")

        def test_without_marker(schemafuzz_family):
            pass
        """
    )
    result = suite.runpytest("-v")
    result.stdout.fnmatch_lines(["*test_names?sensor? PASSED*", "*test_names?sign? PASSED*"])
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*needs @pytest.mark.schemafuzz_family*"])


def test_xdist_gives_the_serial_results(suite: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    suite.makeini("[pytest]\nschemafuzz_families = sensor sign\n")
    args = ("--schemafuzz-examples", "20", "-p", "no:cacheprovider")
    serial = suite.runpytest_subprocess(*args)
    parallel = suite.runpytest_subprocess("-n", "2", *args)
    serial.assert_outcomes(passed=12, failed=2)
    parallel.assert_outcomes(passed=12, failed=2)
    for result in (serial, parallel):
        result.stdout.fnmatch_lines(["*wrote -1, read 4294967295*"])


def test_hypothesis_profiles_apply_to_strategies_not_to_the_matrix(
    suite: pytest.Pytester,
) -> None:
    suite.makeini("[pytest]\nschemafuzz_families = sign\n")
    suite.makeconftest(
        """
        from hypothesis import settings
        settings.register_profile("suite", max_examples=7, derandomize=True, database=None)
        settings.load_profile("suite")
        """
    )
    suite.makepyfile(
        test_strategies="""
        from hypothesis import given
        import schemafuzz
        from schemafuzz.strategies import messages

        V1 = schemafuzz.load_family("sensor").version("v1")
        CALLS = []

        @given(messages(V1))
        def test_draws(reading):
            CALLS.append(reading)

        def test_profile_applied():
            assert 0 < len(CALLS) <= 7
        """
    )
    result = suite.runpytest("-p", "no:randomly")
    # The matrix keeps its own seed and budget: the sign flip is still found, every time.
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(["*wrote -1, read 4294967295*"])


def test_plugin_import_is_light() -> None:
    code = (
        "import sys, schemafuzz, schemafuzz._pytest_plugin\n"
        "heavy = [m for m in ('hypothesis', 'google.protobuf', 'fastavro', 'jsonschema', "
        "'typer', 'rich') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
