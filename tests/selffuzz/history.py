"""Schema histories, for fuzzing schemafuzz itself: what one is, and how it is written out.

A history is a random valid schema of one format and a random evolution of it over 2-5
versions: add, remove, rename, renumber, retype, reserve, move into a oneof, add enum values,
change defaults, reorder declarations. `History.write(dir)` lays it out as a family directory.
Each history also knows whether every step was *safe* (adding a field with a fresh number and a
default where the format needs one, reordering declarations): a safe history must give no error.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

NAMES = ("alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa",
         "lam", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "ups")  # fmt: skip


@dataclass
class History:
    format: str
    versions: list[dict[str, str]]  # per version: file name -> text
    config: str  # family.toml
    safe: bool  # every step is a change the format reads without loss
    steps: list[str] = field(default_factory=list)

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "family.toml").write_text(self.config)
        for i, files in enumerate(self.versions, start=1):
            for name, text in files.items():
                target = directory / f"v{i}" / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
        return directory

    @classmethod
    def read(cls, case: Path) -> History:
        """A history saved as a regression case: `case/family` (as `write` lays it out) and
        `case/case.toml` (`safe`, `description`)."""
        spec = tomllib.loads((case / "case.toml").read_text(encoding="utf-8"))
        family = case / "family"
        config = (family / "family.toml").read_text(encoding="utf-8")
        versions = []
        for folder in sorted((p for p in family.iterdir() if p.is_dir()), key=_version_number):
            files = sorted(p for p in folder.rglob("*") if p.is_file())
            versions.append(
                {str(f.relative_to(folder)): f.read_text(encoding="utf-8") for f in files}
            )
        fmt = tomllib.loads(config)["format"]
        return cls(fmt, versions, config, bool(spec["safe"]), [f"regression {case.name}"])

    def identical(self) -> History:
        """The first version twice: must give no finding (state hazards aside)."""
        return replace(self, versions=[self.versions[0], self.versions[0]], steps=["copy"])


def _version_number(folder: Path) -> int:
    return int(folder.name.removeprefix("v"))
