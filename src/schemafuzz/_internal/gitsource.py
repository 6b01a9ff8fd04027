"""Versions from git history, read with git itself (`git log`, `git ls-tree`, `git cat-file`),
never by checking anything out.

A version is a commit that changed a family's files (or a tag matching a pattern). Its files are
written under a temporary directory, with the same layout they have in the repository, and loaded
from there like any other version. Every git failure becomes one clear `InputError` sentence.
"""

from __future__ import annotations

import fnmatch
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from schemafuzz._internal.errors import InputError

SHORT = 7
_SHALLOW_HINT = (
    "fetch the full history (git fetch --unshallow, or fetch-depth: 0 in actions/checkout)"
)


@dataclass(frozen=True)
class GitVersion:
    name: str  # the tag, else git-<short sha>
    commit: str


class Git:
    """One repository, found from a directory inside its working tree."""

    def __init__(self, cwd: Path) -> None:
        try:
            done = subprocess.run(
                ["git", "rev-parse", "--show-toplevel"],
                cwd=cwd,
                capture_output=True,
                text=True,
                check=False,
            )
        except FileNotFoundError:
            raise InputError(
                "git is not installed (schemafuzz check reads versions with git)"
            ) from None
        if done.returncode != 0:
            raise InputError(f"{cwd} is not inside a git repository")
        self.root = Path(done.stdout.strip()).resolve()

    def _run(self, *args: str, input: bytes | None = None) -> bytes:
        done = subprocess.run(
            ["git", *args], cwd=self.root, input=input, capture_output=True, check=False
        )
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise InputError(f"git {args[0]} failed: {message[0] if message else 'no message'}")
        return done.stdout

    def text(self, *args: str) -> str:
        return self._run(*args).decode("utf-8", "replace")

    def shallow(self) -> bool:
        return self.text("rev-parse", "--is-shallow-repository").strip() == "true"

    def resolve(self, ref: str) -> str:
        """The commit `ref` names; a clear sentence when it names none."""
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0:
            return done.stdout.strip()
        if self.shallow():
            raise InputError(
                f"base {ref!r} is not in this shallow clone; {_SHALLOW_HINT}, then run again"
            )
        raise InputError(f"base {ref!r} does not name a commit in {self.root}")

    def relative(self, path: Path) -> str:
        """`path` as a repository path (POSIX); an error when it is outside the repository."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            raise InputError(f"{path} is outside the git repository {self.root}") from None

    def tracked(self, rel: str, commit: str) -> bool:
        return bool(self.text("ls-tree", "-r", "--name-only", commit, "--", rel).strip())

    def changed(self, rel: str, commit: str) -> list[str]:
        """Repository paths under `rel` that differ between `commit` and the working tree,
        untracked files included."""
        diff = self.text("diff", "--name-only", "--no-renames", commit, "--", rel).split("\n")
        untracked = self.text("ls-files", "--others", "--exclude-standard", "--", rel).split("\n")
        return sorted({p for p in [*diff, *untracked] if p})

    def history(self, rel: str, commit: str, tags: str | None = None) -> list[GitVersion]:
        """The versions of `rel` up to `commit`, oldest first: one per commit that changed it,
        or, with a tag pattern, one per matching tag reachable from `commit`."""
        log = self.text("log", "--format=%H", "--reverse", commit, "--", rel).split()
        if not log and self.shallow():
            raise InputError(f"{rel} has no history in this shallow clone; {_SHALLOW_HINT}")
        by_commit = self._tags(commit)
        if tags is None:
            return [GitVersion(self._name(c, by_commit), c) for c in log]
        order = {c: i for i, c in enumerate(self.text("rev-list", "--reverse", commit).split())}
        chosen = [
            (order.get(c, -1), tag, c)
            for c, names in by_commit.items()
            for tag in names
            if fnmatch.fnmatchcase(tag, tags)
        ]
        return [GitVersion(tag, c) for _, tag, c in sorted(chosen) if self.tracked(rel, c)]

    def _tags(self, commit: str) -> dict[str, list[str]]:
        """Tags reachable from `commit`, by the commit they point to (annotated ones peeled)."""
        out = self.text(
            "tag", "--merged", commit, "--format=%(refname:short) %(objectname) %(*objectname)"
        )
        by_commit: dict[str, list[str]] = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 2:
                by_commit.setdefault(parts[-1] if len(parts) == 3 else parts[1], []).append(
                    parts[0]
                )
        return {c: sorted(names) for c, names in by_commit.items()}

    @staticmethod
    def _name(commit: str, tags: dict[str, list[str]]) -> str:
        names = tags.get(commit)
        return names[0] if names else f"git-{commit[:SHORT]}"

    def export(self, commit: str, rel: str, dest: Path) -> Path:
        """Write the files under `rel` at `commit` to `dest`/`rel`; return that path."""
        listing = self._run("ls-tree", "-r", "-z", "--full-tree", commit, "--", rel)
        blobs: list[tuple[str, str]] = []
        for entry in listing.split(b"\0"):
            if not entry:
                continue
            meta, _, raw = entry.partition(b"\t")
            mode, kind, sha = meta.decode().split()
            if kind == "blob" and mode != "120000":  # symlinks are not followed
                blobs.append((sha, raw.decode("utf-8", "surrogateescape")))
        if not blobs:
            raise InputError(f"{rel} does not exist at commit {commit[:SHORT]}")
        data = self._run("cat-file", "--batch", input="".join(f"{s}\n" for s, _ in blobs).encode())
        at = 0
        for _, name in blobs:
            header_end = data.index(b"\n", at)
            size = int(data[at:header_end].split()[2])
            content = data[header_end + 1 : header_end + 1 + size]
            at = header_end + 1 + size + 1
            target = dest / PurePosixPath(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        return dest / PurePosixPath(rel)
