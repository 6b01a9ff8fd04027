"""The JUnit, SARIF, Markdown and HTML reports and the GitHub annotations, each rendered from
an Outcome of a real fuzz run of a fixture family (one run per family for the whole module)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from schemafuzz._internal.catalog import KINDS, Severity
from schemafuzz._internal.family import load_family
from schemafuzz._internal.outcome import (
    BASELINED,
    DOWNLINK,
    IGNORED,
    Deployed,
    Location,
    Outcome,
    Verdict,
    from_fuzz,
)
from schemafuzz._internal.reporting.annotations import (
    escape_data,
    escape_property,
    github_annotations,
)
from schemafuzz._internal.reporting.html import render_html
from schemafuzz._internal.reporting.junit import render_junit
from schemafuzz._internal.reporting.markdown import escape, render_markdown
from schemafuzz._internal.reporting.sarif import render_sarif
from schemafuzz._internal.runner import RunOptions, run
from tests.conftest import FIXTURES, PROTO, ROOT, write_family

SARIF_SCHEMA = (
    Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
)
SIGN = PROTO / "int32-to-uint32"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z]+:)?//""", re.IGNORECASE)


def temp_line() -> int:
    """The line declaring `temp` in the sign family's v2, where its findings point."""
    text = (SIGN / "v2" / "reading.proto").read_text(encoding="utf-8")
    return next(i for i, line in enumerate(text.splitlines(), 1) if " temp = " in line)


def fuzz(path: Path, candidate: Path | None = None) -> Outcome:
    """A fuzz run as an Outcome (20 examples, one job, locations relative to the repository)."""
    name = "candidate" if candidate is not None else None
    family = load_family(path, candidate=candidate)
    report = run(family, RunOptions(examples=20, jobs=1, candidate=name))
    return from_fuzz(family, report, examples=20, candidate=name, root=ROOT)


@pytest.fixture(scope="module")
def sign() -> Outcome:
    """int32 -> uint32: one value-changed error each way."""
    return fuzz(SIGN)


@pytest.fixture(scope="module")
def state() -> Outcome:
    """State findings, among them state-hazard of a writer read by itself (no pair ran)."""
    return fuzz(FIXTURES / "state" / "optional-to-implicit")


@pytest.fixture(scope="module")
def relay() -> Outcome:
    """relay-loss through v1, plus info findings."""
    return fuzz(FIXTURES / "relay" / "proto")


@pytest.fixture(scope="module")
def candidate() -> Outcome:
    """The family's v2 as the candidate: uplink from v1 and downlink to v1 change `temp`."""
    return fuzz(SIGN, candidate=SIGN / "v2")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """A JSON Schema family whose one property is named like an HTML script element."""

    def schema(kind: str) -> str:
        return json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "properties": {HOSTILE: {"type": kind}},
            }
        )

    root = write_family(
        tmp_path_factory.mktemp("reports") / "hostile",
        {"v1": {"schema.json": schema("integer")}, "v2": {"schema.json": schema("string")}},
    )
    outcome = fuzz(root)
    assert any(v.finding.path == HOSTILE for v in outcome.verdicts)
    return outcome


@pytest.fixture
def checked(candidate: Outcome) -> Outcome:
    """The candidate run as a `check` against a base: downlink baselined, one stale entry."""
    outcome = copy.deepcopy(candidate)
    outcome.command, outcome.base = "check", "origin/main"
    outcome.baseline = ".schemafuzz-baseline.json"
    downlink = next(v for v in outcome.verdicts if v.direction == DOWNLINK)
    downlink.status, downlink.fails, downlink.reason = BASELINED, False, "in the baseline"
    outcome.families[0].deployed = [Deployed("v1", "fw|<b>1</b>", 0.6), Deployed("v2", None, 0.4)]
    outcome.stale = [{"kind": "field-dropped", "family": "int32-to-uint32", "path": "old_*x*"}]
    return outcome


def mixed(outcome: Outcome) -> Outcome:
    """A copy with its first verdict baselined and its last ignored."""
    outcome = copy.deepcopy(outcome)
    first, last = outcome.verdicts[0], outcome.verdicts[-1]
    first.status, first.fails, first.reason = BASELINED, False, "in the baseline"
    last.status, last.fails, last.reason = IGNORED, False, "accepted: see ADR-7"
    return outcome


def pair_of(verdict: Verdict) -> str:
    f = verdict.finding
    return f"{f.writer} -> {f.reader} [{f.encoding}]"


# -- SARIF ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> Validator:
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"{SARIF_SCHEMA} is absent (it is read from beside the project, not copied)")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.mark.parametrize(
    "name", ["sign", "state", "relay", "candidate", "checked", "hostile", "mixed"]
)
def test_sarif_validates_against_the_official_schema(
    name: str, request: pytest.FixtureRequest, sarif_validator: Validator
) -> None:
    if name == "mixed":
        outcome = mixed(request.getfixturevalue("relay"))
    else:
        outcome = request.getfixturevalue(name)
    document = json.loads(render_sarif(outcome))
    errors = [e.message for e in sarif_validator.iter_errors(document)]
    assert errors == []
    assert len(document["runs"][0]["results"]) == len(outcome.verdicts)


def test_sarif_result_of_a_known_finding(sign: Outcome) -> None:
    text = render_sarif(sign)
    document = json.loads(text)
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert document["version"] == "2.1.0"
    driver = document["runs"][0]["tool"]["driver"]
    assert driver["name"] == "schemafuzz"
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in driver["rules"]}
    assert list(levels) == [k.id for k in KINDS]
    assert levels["value-changed"] == "error"
    assert levels["enum-unknown"] == "warning"
    assert levels["field-unknown"] == "note"

    results = document["runs"][0]["results"]
    result = next(r for r in results if "v1 -> v2 (proto-binary)" in r["message"]["text"])
    assert result["ruleId"] == "value-changed"
    assert result["level"] == "error"
    assert driver["rules"][result["ruleIndex"]]["id"] == "value-changed"
    location = result["locations"][0]["physicalLocation"]
    assert (
        location["artifactLocation"]["uri"]
        == "tests/fixtures/proto/int32-to-uint32/v2/reading.proto"
    )
    assert location["region"]["startLine"] == temp_line()
    assert "temp: wrote -1, read 4294967295" in result["message"]["text"]
    assert "baselineState" not in result and "suppressions" not in result

    fingerprints = {r["partialFingerprints"]["schemafuzz/v1"] for r in results}
    assert len(fingerprints) == 2 and all(re.fullmatch("[0-9a-f]{64}", f) for f in fingerprints)
    assert text == json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_sarif_marks_baselined_and_suppresses_ignored_findings(relay: Outcome) -> None:
    outcome = mixed(relay)
    results = json.loads(render_sarif(outcome))["runs"][0]["results"]
    assert results[0]["baselineState"] == "unchanged"
    assert {r["baselineState"] for r in results[1:]} == {"new"}
    assert results[-1]["suppressions"] == [
        {"kind": "external", "justification": "accepted: see ADR-7"}
    ]
    assert not any("suppressions" in r for r in results[:-1])


def test_sarif_omits_the_location_of_a_finding_without_one(sign: Outcome) -> None:
    outcome = copy.deepcopy(sign)
    outcome.verdicts[0].location = None
    results = json.loads(render_sarif(outcome))["runs"][0]["results"]
    assert "locations" not in results[0] and "locations" in results[1]


# -- JUnit ------------------------------------------------------------------------------------


def test_junit_one_testcase_per_pair_and_one_failure_per_failing_finding(sign: Outcome) -> None:
    root = ET.fromstring(render_junit(sign))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(sign.families[0].report.pairs) == 2
    assert {c.get("name") for c in cases} == {"v1 -> v2 [proto-binary]", "v2 -> v1 [proto-binary]"}
    assert {c.get("classname") for c in cases} == {"schemafuzz.int32-to-uint32"}
    failures = root.findall(".//failure")
    assert len(failures) == len(sign.failing) == 2
    assert {f.get("type") for f in failures} == {"value-changed"}
    assert all((f.get("message") or "").startswith("temp: ") for f in failures)
    assert "reproduce: schemafuzz fuzz" in (failures[0].text or "")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == (
        "int32-to-uint32",
        "2",
        "2",
    )
    assert (root.get("tests"), root.get("failures")) == ("2", "2")


def test_junit_findings_that_do_not_fail_go_to_system_out(sign: Outcome) -> None:
    outcome = mixed(sign)
    root = ET.fromstring(render_junit(outcome))
    assert len(root.findall(".//failure")) == len(outcome.failing) == 0
    assert root.get("failures") == "0"
    out = "\n".join(e.text or "" for e in root.iter("system-out"))
    assert "[baselined (in the baseline)] value-changed (error) at temp" in out
    assert "[ignored (accepted: see ADR-7)] value-changed (error) at temp" in out


def test_junit_state_findings_of_a_writer_read_by_itself_get_their_own_testcase(
    state: Outcome,
) -> None:
    root = ET.fromstring(render_junit(state))
    names = [c.get("name") for c in root.iter("testcase")]
    pairs = state.families[0].report.pairs
    assert names[: len(pairs)] == [f"{p.writer} -> {p.reader} [{p.encoding}]" for p in pairs]
    assert names[len(pairs) :] == ["v1 -> v1 [proto-binary]", "v2 -> v2 [proto-binary]"]
    assert len(root.findall(".//failure")) == len(state.failing)
    (own,) = [c for c in root.iter("testcase") if c.get("name") == "v2 -> v2 [proto-binary]"]
    assert (own.findtext("system-out") or "").count("state-hazard") == 2


def test_junit_relay_findings_belong_to_their_pair(relay: Outcome) -> None:
    root = ET.fromstring(render_junit(relay))
    assert len(root.findall(".//testcase")) == len(relay.families[0].report.pairs)
    failing = {pair_of(v) for v in relay.failing}
    assert {v.finding.kind for v in relay.failing} == {"relay-loss"}
    for case in root.iter("testcase"):
        failures = case.findall("failure")
        assert bool(failures) == (case.get("name") in failing)
        assert all("through a relay on v1" in (f.text or "") for f in failures)


def test_junit_is_well_formed_whatever_the_schema_text(hostile: Outcome) -> None:
    outcome = copy.deepcopy(hostile)
    verdict = outcome.verdicts[0]
    verdict.finding = replace(verdict.finding, explanation="nul \x00 and \ufffe inside")
    root = ET.fromstring(render_junit(outcome))
    failures = root.findall(".//failure")
    assert HOSTILE in (failures[0].get("message") or "")
    assert sum("nul \\u0000 and \\ufffe inside" in (f.text or "") for f in failures) == 1


# -- Markdown ---------------------------------------------------------------------------------


def test_markdown_summary_matrix_and_fenced_example(sign: Outcome) -> None:
    text = render_markdown(sign)
    lines = text.splitlines()
    assert (
        lines[0] == "**schemafuzz fuzz**: 2 new findings (2 errors), 0 baselined, 0 ignored — fails"
    )
    assert "| writer \\\\ reader | v1 | v2 |" in lines
    assert "| v1 | – | ❌ 1 failing (error) |" in lines
    assert "| v2 | ❌ 1 failing (error) | – |" in lines
    example = lines.index("```json")
    assert lines[example + 1 : example + 5] == ["{", '  "temp": -1', "}", "```"]
    assert any(line.startswith("schemafuzz fuzz ") for line in lines)
    assert "#### 1. value-changed (error, fails): temp" in lines


def test_markdown_check_shows_the_deployed_versions_both_ways(checked: Outcome) -> None:
    lines = render_markdown(checked).splitlines()
    assert lines[0] == (
        "**schemafuzz check** against `origin/main`: 1 new finding (1 error), 1 baselined, "
        "0 ignored — fails"
    )
    header = "| deployed | uplink · proto-binary | downlink · proto-binary |"
    assert header in lines
    row = lines[lines.index(header) + 2]
    assert row == (
        "| v1 (fw\\|&lt;b&gt;1&lt;/b&gt;, 60%) | ❌ 1 failing (error) | ✅ ok · 1 baselined |"
    )
    assert len(re.split(r"(?<!\\)\|", row)) == 5  # three cells: the label's pipe is escaped
    assert lines[lines.index(header) + 3] == "| v2 (40%) | ✅ ok | ✅ ok |"
    assert lines[-1] == "- family=int32-to-uint32, kind=field-dropped, path=old\\_\\*x\\*"
    assert "### Stale baseline entries" in lines


def test_markdown_fuzz_without_findings_passes(sign: Outcome) -> None:
    outcome = copy.deepcopy(sign)
    outcome.families[0].verdicts.clear()
    text = render_markdown(outcome)
    assert text.splitlines()[0].endswith("0 new findings, 0 baselined, 0 ignored — passes")
    assert "### Findings" not in text


def test_markdown_fence_outlasts_backticks_in_the_example(sign: Outcome) -> None:
    outcome = copy.deepcopy(sign)
    for verdict in outcome.verdicts:
        verdict.finding = replace(verdict.finding, example={"note": "````` not a fence"})
    lines = render_markdown(outcome).splitlines()
    start = lines.index("``````json")
    assert lines[start + 1 : start + 5] == ["{", '  "note": "````` not a fence"', "}", "``````"]


def test_markdown_shows_failing_findings_first_and_at_most_ten(relay: Outcome) -> None:
    outcome = copy.deepcopy(relay)
    outcome.families[0].verdicts *= 3  # 18 findings, 6 of them failing
    text = render_markdown(outcome)
    headings = [line for line in text.splitlines() if line.startswith("#### ")]
    assert len(headings) == 10
    assert all("relay-loss (error, fails)" in h for h in headings[:6])
    assert all("field-unknown (info, new)" in h for h in headings[6:])
    assert "… and 8 more findings in the full report." in text


def test_markdown_escapes_schema_text(hostile: Outcome) -> None:
    text = render_markdown(hostile)
    assert HOSTILE not in text
    assert f"(error, fails): {HOSTILE_ESCAPED}" in text
    assert "\\u003cscript\\u003e" in text  # in the example's JSON code block
    assert escape("a|b*c_d[e]`f\\g~h") == "a\\|b\\*c\\_d\\[e\\]\\`f\\\\g\\~h"
    assert escape("x\n# heading") == "x \\# heading"
    assert escape("&amp; <b>") == "&amp;amp; &lt;b&gt;"


# -- HTML -------------------------------------------------------------------------------------


class _Page(HTMLParser):
    """The findings' data attributes, the heatmap cells' classes and the inline blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.findings: list[dict[str, str | None]] = []
        self.cells: list[str | None] = []
        self.raw: dict[str, str] = {}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "article":
            self.findings.append(found)
        elif tag == "td":
            self.cells.append(found.get("class"))
        elif tag in ("script", "style"):
            self._in = tag
        elif tag == "meta" and found.get("http-equiv") == "Content-Security-Policy":
            self.raw["csp"] = found.get("content") or ""

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self.raw[self._in] = data


def page(text: str) -> _Page:
    parser = _Page()
    parser.feed(text)
    parser.close()
    return parser


def sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_html_heatmap_filters_and_findings(sign: Outcome) -> None:
    text = render_html(sign)
    parsed = page(text)
    assert [(f["data-kind"], f["data-severity"], f["data-status"]) for f in parsed.findings] == [
        ("value-changed", "error", "new")
    ] * 2
    assert parsed.cells == ["none", "sev-error", "sev-error", "none"]
    for box in ('name="kind" value="value-changed"', 'name="severity" value="info"'):
        assert f'<input type="checkbox" {box} checked>' in text
    for verdict in sign.verdicts:
        assert f"<pre>{verdict.finding.encoded}</pre>" in text
        assert verdict.finding.reproduce in text
    assert "<pre>{\n  &quot;temp&quot;: -1\n}</pre>" in text
    csp = parsed.raw["csp"]
    assert csp.startswith("default-src 'none'")
    assert f"'sha256-{sha256(parsed.raw['script'])}'" in csp
    assert f"'sha256-{sha256(parsed.raw['style'])}'" in csp


def test_html_greys_out_pairs_whose_findings_are_all_accepted(sign: Outcome) -> None:
    outcome = mixed(sign)
    parsed = page(render_html(outcome))
    assert parsed.cells == ["none", "old", "old", "none"]
    assert [f["data-status"] for f in parsed.findings] == [BASELINED, IGNORED]


def test_html_escapes_schema_text_and_loads_nothing(hostile: Outcome) -> None:
    text = render_html(hostile)
    assert HOSTILE not in text
    assert f"<code>{HOSTILE_ESCAPED}</code>" in text
    assert text.count("<script") == 1 and "<script>" in text
    assert "<link" not in text.lower() and "<script src" not in text.lower()
    assert not EXTERNAL.search(text)
    assert "http://" not in text and "https://" not in text
    assert HOSTILE not in page(text).raw["script"]


# -- GitHub annotations -----------------------------------------------------------------------


def test_annotations_one_error_per_failing_finding(sign: Outcome) -> None:
    lines = github_annotations(sign)
    assert len(lines) == 2
    file = "tests/fixtures/proto/int32-to-uint32/v2/reading.proto"
    assert lines[0].startswith(
        f"::error file={file},line={temp_line()},"
        "title=schemafuzz value-changed%3A int32-to-uint32 v1 -> v2 [proto-binary]::"
        "temp: wrote -1, read 4294967295%0A"
    )
    assert all("\n" not in line for line in lines)


def test_annotations_warn_about_new_warnings_only(state: Outcome) -> None:
    outcome = mixed(state)
    levels = [line.split(" ", 1)[0] for line in github_annotations(outcome)]
    new = [v for v in outcome.verdicts if v.status == "new"]
    assert levels == ["::error" if v.fails else "::warning" for v in new]
    assert levels.count("::error") == 1
    for verdict in outcome.verdicts:
        verdict.status, verdict.fails = "new", False
        verdict.finding = replace(verdict.finding, severity=Severity.INFO)
    assert github_annotations(outcome) == []


def test_annotations_escape_properties_and_message(sign: Outcome) -> None:
    outcome = copy.deepcopy(sign)
    first, second = outcome.verdicts
    first.location = Location("dir,a:b/100%.proto", 3)
    first.finding = replace(first.finding, explanation="50% of\r\nvalues: a, b")
    second.location = None
    with_location, without = github_annotations(outcome)
    assert with_location.startswith("::error file=dir%2Ca%3Ab/100%25.proto,line=3,title=")
    assert "%0A50%25 of%0D%0Avalues: a, b%0Areproduce: " in with_location
    assert without.startswith("::error title=schemafuzz value-changed%3A ")
    assert escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
