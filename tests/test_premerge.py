"""`schemafuzz check` and `schemafuzz baseline` in real temporary git repositories."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemafuzz._internal.cli import app
from tests.conftest import ROOT

runner = CliRunner()
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"

V1 = """syntax = "proto3";
package th;

message Reading {
  int32 temp = 1;
  string device = 2;
}
"""
SAFE = V1.replace("  string device = 2;\n", "  string device = 2;\n  bool heating = 3;\n")
SIGNED = V1.replace("int32 temp", "uint32 temp")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "schemafuzz tests")
    git(path, "config", "user.email", "tests@schemafuzz.invalid")
    git(path, "config", "commit.gpgsign", "false")
    return path


def commit(repo: Path, files: dict[str, str], message: str, tag: str | None = None) -> str:
    for name, text in files.items():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    if tag:
        git(repo, "tag", tag)
    return git(repo, "rev-parse", "HEAD").strip()


def write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)


def check(
    repo: Path, monkeypatch: pytest.MonkeyPatch, *args: str, command: str = "check"
) -> tuple[int, str, str]:
    monkeypatch.chdir(repo)
    result = runner.invoke(app, [command, *args, "--jobs", "1"])
    return result.exit_code, result.stdout, result.stderr


def check_json(repo: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, dict]:
    code, out, err = check(repo, monkeypatch, "--report", "json", *args)
    assert code in (0, 1), err
    return code, json.loads(out)


MANIFEST = """
examples = 30

[families.th]
path = "schemas/th"
tags = "fw-*"
proto_json_unknown = "ignore"  # a family.toml key: readers of JSON skip unknown keys

[families.th.deployed]
"fw-2.3" = { version = "fw-2.3", share = 0.41 }
"""


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """A family whose versions come from git tags: fw-2.2 and fw-2.3, both deployed."""
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"schemas/th/th.proto": V1, "schemafuzz.toml": MANIFEST}, "v1", tag="fw-2.3")
    return repo


def failing(report: dict) -> list[tuple[str, ...]]:
    return [
        (f["kind"], f["writer"], f["reader"], f["encoding"], f["path"], f["direction"])
        for family in report["families"]
        for f in family["findings"]
        if f["fails"]
    ]


def test_a_safe_change_passes(fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(fleet, {"schemas/th/th.proto": SAFE})
    code, report = check_json(fleet, monkeypatch, "--base", "main")
    assert code == 0
    assert failing(report) == []
    [family] = report["families"]
    assert family["candidate"] == "schemas/th"
    assert family["deployed"] == [{"label": "fw-2.3", "share": 0.41, "version": "fw-2.3"}]
    assert {(p["writer"], p["reader"]) for p in family["pairs"]} == {
        ("fw-2.3", "candidate"),
        ("candidate", "fw-2.3"),
    }


def test_sign_change_fails_against_the_deployed_version(
    fleet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(fleet, {"schemas/th/th.proto": SIGNED})
    code, report = check_json(fleet, monkeypatch, "--base", "main")
    assert code == 1
    found = failing(report)
    assert (
        "value-changed", "fw-2.3", "candidate", "proto-binary", "temp", "uplink"
    ) in found  # fmt: skip
    finding = next(f for f in report["families"][0]["findings"] if f["writer"] == "fw-2.3")
    assert finding["location"] == {"file": "schemas/th/th.proto", "line": 5}
    assert finding["reproduce"].startswith("schemafuzz check --base ")


def test_reproduce_command_of_a_check_finding_reproduces_it(
    fleet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(fleet, {"schemas/th/th.proto": SIGNED})
    _, report = check_json(fleet, monkeypatch, "--base", "main")
    finding = next(
        f
        for f in report["families"][0]["findings"]
        if f["fails"] and f["encoding"] == "proto-binary"
    )
    args = finding["reproduce"].split()[1:]
    code, again = check_json(fleet, monkeypatch, *args[1:])
    assert code == 1
    [only] = [f for f in again["families"][0]["findings"] if f["fails"]]
    assert (only["kind"], only["path"], only["written"], only["read"]) == (
        finding["kind"],
        finding["path"],
        finding["written"],
        finding["read"],
    )


def test_unchanged_families_are_not_checked(fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, report = check_json(fleet, monkeypatch, "--base", "main")
    assert code == 0
    assert report["families"] == []
    assert report["unchanged"] == ["th"]


def test_baseline_suppresses_and_reports_stale_entries(
    fleet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(fleet, {"schemas/th/th.proto": SIGNED})
    code, out, err = check(fleet, monkeypatch, command="baseline")
    assert code == 0, err
    saved = json.loads((fleet / ".schemafuzz-baseline.json").read_text())
    entry = {
        "direction": "uplink",
        "encoding": "proto-binary",
        "family": "th",
        "kind": "value-changed",
        "path": "temp",
        "version": "fw-2.3",
    }
    assert entry in saved["findings"]
    code, report = check_json(fleet, monkeypatch, "--base", "main")
    assert code == 0
    assert failing(report) == []
    assert report["counts"]["baselined"] >= 1
    assert report["stale"] == []
    # The defect is fixed differently: the baseline's entries no longer occur.
    write(fleet, {"schemas/th/th.proto": SAFE})
    code, report = check_json(fleet, monkeypatch, "--base", "main")
    assert code == 0
    assert entry in report["stale"]


def test_a_defect_between_two_old_versions_does_not_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"schemas/th/th.proto": V1}, "v1")
    v2 = commit(repo, {"schemas/th/th.proto": SIGNED}, "v2: the sign flip, already shipped")
    manifest = (
        f'[families.th]\nproto_json_unknown = "ignore"\ndeployed = {{ "fw-3" = "git-{v2[:7]}" }}\n'
    )
    commit(repo, {"schemafuzz.toml": manifest}, "manifest")
    write(
        repo,
        {
            "schemas/th/th.proto": SIGNED.replace(
                "string device = 2;", "string device = 2;\n  bool on = 3;"
            )
        },
    )
    code, report = check_json(repo, monkeypatch, "--base", "main", "--examples", "30")
    assert code == 0, failing(report)
    assert [v for v in report["families"][0]["versions"]] == [
        f"git-{git(repo, 'rev-list', '--max-count=1', 'HEAD~2').strip()[:7]}",
        f"git-{v2[:7]}",
        "candidate",
    ]


def test_version_folders_at_base_and_a_new_folder_as_candidate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"schemas/th/v1/th.proto": V1, "schemas/th/v2/th.proto": SAFE}, "v1, v2")
    write(repo, {"schemas/th/v3/th.proto": SAFE.replace("int32 temp", "uint32 temp")})
    code, report = check_json(repo, monkeypatch, "--base", "HEAD", "--examples", "30")
    assert code == 1
    assert report["families"][0]["candidate"] == "schemas/th/v3"
    assert ("value-changed", "v2", "candidate", "proto-binary", "temp", "uplink") in failing(report)


def test_directions_limit_the_pairs(fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (fleet / "schemafuzz.toml").write_text(
        MANIFEST.replace('tags = "fw-*"', 'tags = "fw-*"\ndirections = ["downlink"]')
    )
    write(fleet, {"schemas/th/th.proto": SIGNED})
    _, report = check_json(fleet, monkeypatch, "--base", "main")
    assert {(p["writer"], p["reader"]) for p in report["families"][0]["pairs"]} == {
        ("candidate", "fw-2.3")
    }
    assert {f[5] for f in failing(report)} <= {"downlink"}


def test_manifest_severity_and_ignores(fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = MANIFEST + (
        '\n[severity]\n"decode-error" = "warning"\n\n'
        '[[ignore]]\npath = "temp"\nkind = "value-changed"\nreason = "legacy sensor"\n'
    )
    (fleet / "schemafuzz.toml").write_text(manifest)
    write(fleet, {"schemas/th/th.proto": SIGNED})
    code, report = check_json(fleet, monkeypatch, "--base", "main")
    assert code == 0, failing(report)
    findings = report["families"][0]["findings"]
    ignored = [f for f in findings if f["status"] == "ignored"]
    assert ignored and all(f["reason"] == "legacy sensor" for f in ignored)
    assert all(f["severity"] == "warning" for f in findings if f["kind"] == "decode-error")


def test_pyproject_tool_table_is_a_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    pyproject = '[project]\nname = "x"\n\n[tool.schemafuzz]\nfail_on = "never"\n'
    commit(repo, {"schemas/th/th.proto": V1, "pyproject.toml": pyproject}, "v1")
    write(repo, {"schemas/th/th.proto": SIGNED})
    code, report = check_json(repo, monkeypatch, "--examples", "20")
    assert code == 0
    assert report["fail_on"] == "never"
    assert report["families"][0]["findings"]


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("colour = 1\n", "unknown key 'colour'"),
        ("examples = 'many'\n", "key 'examples' must be a int"),
        ("[families.th]\nbogus = 1\n", "unknown key families.th.'bogus'"),
        ("[families.th]\npath = '../../etc'\n", "leads outside the repository"),
        ("[families.th]\ndirections = ['sideways']\n", "directions must list"),
        ('[[ignore]]\npath = "x"\n', "ignore[0] needs 'reason'"),
        ('[severity]\n"nonsense" = "error"\n', "severity.nonsense is not a finding kind"),
        ('[families.th.deployed]\n"fw-9" = "v99"\n', "'v99' is not a version of th"),
    ],
)
def test_bad_manifest_is_exit_2_naming_key_and_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, manifest: str, message: str
) -> None:
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"schemas/th/th.proto": V1, "schemafuzz.toml": manifest}, "v1")
    write(repo, {"schemas/th/th.proto": SAFE})
    code, out, err = check(repo, monkeypatch, "--examples", "5")
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_bad_ref_is_exit_2(fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = check(fleet, monkeypatch, "--base", "no-such-branch")
    assert code == 2
    assert "base 'no-such-branch' does not name a commit" in err


def test_shallow_clone_missing_the_base_is_exit_2(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(fleet, {"schemas/th/th.proto": SAFE}, "v2")
    base = git(fleet, "rev-parse", "HEAD~1").strip()
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{fleet}", str(clone))
    code, _, err = check(clone, monkeypatch, "--base", base)
    assert code == 2
    assert "shallow clone" in err and "fetch-depth: 0" in err


def test_path_not_in_git_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"README": "x"}, "init")
    write(repo, {"schemas/th/th.proto": V1})
    (repo / ".gitignore").write_text("schemas/\n")
    code, _, err = check(repo, monkeypatch)
    assert code == 2
    assert "schemas/th is not in git" in err


def test_not_a_git_repository_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plain").mkdir()
    code, _, err = check(tmp_path / "plain", monkeypatch)
    assert code == 2
    assert "is not inside a git repository" in err


def test_a_broken_candidate_names_file_and_line(
    fleet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(fleet, {"schemas/th/th.proto": V1.replace("int32 temp = 1;", "int32 temp = ;")})
    code, _, err = check(fleet, monkeypatch)
    assert code == 2
    assert "th.proto:5:" in err


def test_baseline_file_that_is_not_json_is_exit_2(
    fleet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (fleet / ".schemafuzz-baseline.json").write_text("{not json")
    write(fleet, {"schemas/th/th.proto": SIGNED})
    code, _, err = check(fleet, monkeypatch)
    assert code == 2
    assert ".schemafuzz-baseline.json:1:2: not a schemafuzz baseline (invalid JSON" in err


def test_every_report_format_from_one_check(
    fleet: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write(fleet, {"schemas/th/th.proto": SIGNED})
    out = tmp_path / "reports"
    args = []
    for kind, name in [
        ("json", "r.json"),
        ("junit", "r.xml"),
        ("sarif", "r.sarif"),
        ("markdown", "r.md"),
        ("html", "r.html"),
    ]:
        args += ["--report", kind, "--output", str(out / name)]
    code, stdout, err = check(fleet, monkeypatch, *args, "--report", "text")
    assert code == 1, err
    assert "value-changed" in stdout  # the text report, on the terminal
    assert sorted(p.name for p in out.iterdir()) == ["r.html", "r.json", "r.md", "r.sarif", "r.xml"]
    suites = ET.parse(out / "r.xml").getroot()
    assert suites.findall(".//failure")
    sarif = json.loads((out / "r.sarif").read_text())
    results = sarif["runs"][0]["results"]
    located = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
         r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in results
    }  # fmt: skip
    assert ("value-changed", "schemas/th/th.proto", 5) in located
    if SARIF_SCHEMA.is_file():
        import jsonschema

        schema = json.loads(SARIF_SCHEMA.read_text())
        jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    assert (out / "r.md").read_text().splitlines()[0].strip()
    assert "<html" in (out / "r.html").read_text().lower()


def test_more_outputs_than_reports_is_exit_2(fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = check(fleet, monkeypatch, "--output", "a.json", "--output", "b.json")
    assert code == 2
    assert "has no --report to pair with" in err


def test_github_annotations(fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    write(fleet, {"schemas/th/th.proto": SIGNED})
    code, out, _ = check(fleet, monkeypatch)
    assert code == 1
    assert "::error file=schemas/th/th.proto,line=5," in out
