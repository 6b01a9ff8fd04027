"""The JUnit XML report: one testsuite per family, one testcase per (writer, reader, encoding)
pair, one `<failure>` per failing finding; findings that do not fail go to `<system-out>`.

CI systems show a failing pair as a failed test and the finding's details as its failure text.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from schemafuzz._internal.outcome import FamilyOutcome, Outcome, Verdict

PairKey = tuple[str, str, str]  # (writer, reader, encoding)

# Characters XML 1.0 cannot hold even escaped (NUL, most C0 controls, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """`text` with each character XML cannot carry written as a backslash-u escape of four
    hex digits (NUL becomes the six characters backslash, u, 0, 0, 0, 0)."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _name(key: PairKey) -> str:
    writer, reader, encoding = key
    return f"{writer} -> {reader} [{encoding}]"


def _details(verdict: Verdict) -> str:
    f = verdict.finding
    lines = [
        f"{f.kind} ({f.severity.label}) at {f.path or '(message)'}",
        f"why: {f.explanation}",
        f"wrote {_value(f.written)}, read {_value(f.read)}",
        f"example: {_value(f.example)}",
        f"bytes: {f.encoded or '(none)'}",
        f"reproduce: {f.reproduce}",
    ]
    if f.via is not None:
        lines.insert(1, f"through a relay on {f.via}")
    if verdict.location is not None:
        lines.append(f"location: {verdict.location.file}:{verdict.location.line}")
    return _xml_text("\n".join(lines))


def _status_line(verdict: Verdict) -> str:
    f = verdict.finding
    via = f" via {f.via}" if f.via is not None else ""
    reason = f" ({verdict.reason})" if verdict.reason else ""
    return (
        f"[{verdict.status}{reason}] {f.kind} ({f.severity.label}){via} at "
        f"{f.path or '(message)'}: {f.explanation}"
    )


def _testcase(suite: ET.Element, family: str, key: PairKey, verdicts: list[Verdict]) -> bool:
    """Add one testcase; True when it failed."""
    case = ET.SubElement(
        suite, "testcase", classname=_xml_text(f"schemafuzz.{family}"), name=_xml_text(_name(key))
    )
    failing = [v for v in verdicts if v.fails]
    for verdict in failing:
        f = verdict.finding
        message = f"{f.path or '(message)'}: {f.explanation}"
        failure = ET.SubElement(case, "failure", type=f.kind, message=_xml_text(message))
        failure.text = _details(verdict)
    passing = [v for v in verdicts if not v.fails]
    if passing:
        out = ET.SubElement(case, "system-out")
        out.text = _xml_text("\n".join(_status_line(v) for v in passing))
    return bool(failing)


def _suite(parent: ET.Element, family: FamilyOutcome) -> tuple[int, int]:
    suite = ET.SubElement(parent, "testsuite", name=_xml_text(family.name))
    cases = family.by_pair()
    failures = sum(_testcase(suite, family.name, key, v) for key, v in cases.items())
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    return len(cases), failures


def render_junit(outcome: Outcome) -> str:
    """The outcome as JUnit XML; `failures` counts failed testcases (pairs), as JUnit does,
    and each failing finding is one `<failure>` of its pair's testcase."""
    root = ET.Element("testsuites", name=f"schemafuzz {outcome.command}")
    totals = [_suite(root, family) for family in outcome.families]
    root.set("tests", str(sum(t for t, _ in totals)))
    root.set("failures", str(sum(f for _, f in totals)))
    root.set("errors", "0")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
