"""The vantage6 releases the conformance matrix runs, one per release line libv6node supports.

Each entry is the newest patch of a release line: the releases of a line build the same
node container (RELEASES.md says which files were compared and where they are identical).
Both the matrix driver (`matrix.py`, any python3) and the per-release check
(`vantage6_conformance.py`, run by the release's own venv) import this module, so it
must stay plain standard-library Python.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Release:
    version: str        # the `vantage6` release installed from PyPI (`vantage6==version`)
    line: str           # the release line it stands for, as libv6node names it
    covers: str         # the releases of that line (identical construction, RELEASES.md)
    docker: str         # the docker-py its `vantage6-common` pins: what builds the create body
    python: str         # the Python its venv is made with: "3" (python3 first on PATH) or "3.10"
    match_floor: int    # at least this many fixtures must be MATCH (a quiet SKIP is caught)
    # Installed with the release: only what an install made today needs to run at all
    # (the release's own pins are never changed).
    pip_extra: tuple[str, ...] = ()
    # How `v6 node start` is reached: "module:click-object subcommand...". 4.0.x has no `v6`
    # command yet: its node start is `vnode start` (vantage6.cli.node:cli_node).
    entry: str = "vantage6.cli.cli:cli_complete node start"

    @property
    def entry_module(self) -> str:
        return self.entry.split(":")[0]

    @property
    def entry_object(self) -> str:
        return self.entry.split(":")[1].split()[0]

    @property
    def entry_args(self) -> list[str]:
        return self.entry.split()[1:]

    @property
    def key(self) -> tuple[int, ...]:
        return version_key(self.version)


def version_key(version: str) -> tuple[int, ...]:
    """'4.13.7' -> (4, 13, 7); a pre-release tail ('4.14.0rc1') is ignored."""
    parts = []
    for field in version.split("."):
        digits = ""
        for ch in field:
            if not ch.isdigit():
                break
            digits += ch
        parts.append(int(digits or 0))
    return tuple(parts)


# Newest first. A floor is the number of fixtures that match that release exactly when
# v6node builds it as RELEASES.md describes (README.md lists them); the other comparable
# fixtures differ only by the documented relative-source deviations. Raise a floor when a
# fixture becomes comparable; never lower one to make a run pass.
RELEASES = (
    Release("4.15.2", "4.15", "4.15.0-4.15.2", "7.1.0", "3", match_floor=24),
    Release("4.14.0", "4.14", "4.14.0", "7.1.0", "3", match_floor=24),
    Release("4.13.7", "4.10-4.13", "4.10.0-4.13.7", "7.1.0", "3", match_floor=22),
    # vantage6-common <= 4.12.2 pins pyfiglet==0.8.post1, which imports pkg_resources;
    # setuptools >= 81 no longer has it, so a plain `pip install vantage6==4.10.2` today
    # gives a CLI that fails on import (RELEASES.md).
    Release("4.10.2", "4.10-4.13", "4.10.0-4.13.7", "7.1.0", "3", match_floor=22,
            pip_extra=("setuptools<81",)),
)


# Older releases, for the research in RELEASES.md only: not in the matrix (libv6node does not
# support their lines), run one with `matrix.py --release X --ours-version L`, L a supported
# line to compare it with. No floor.
# Python 3.10: the oldest these support, and PyYAML==6.0 (pinned up to 4.2.x) has no wheel
# for a newer one. 4.1.0-4.3.2 pin copier 8, which imports `yamlinclude`: pyyaml-include 2
# renamed it, so those need pyyaml-include<2 to import at all today.
RESEARCH = (
    Release("4.9.1", "4.6-4.9", "4.6.0-4.9.1", "7.1.0", "3.10", 0, ("setuptools<81",)),
    Release("4.5.5", "4.3.4-4.5", "4.3.4-4.5.5", "7.1.0", "3.10", 0, ("setuptools<81",)),
    Release("4.5.1", "4.3.4-4.5", "4.3.4-4.5.5", "6.1.2", "3.10", 0, ("setuptools<81",)),
    Release("4.4.1", "4.3.4-4.5", "4.3.4-4.5.5", "6.1.2", "3.10", 0, ("setuptools<81",)),
    Release("4.3.2", "4.3.0-4.3.2", "4.3.0-4.3.2", "6.1.2", "3.10", 0, ("setuptools<81", "pyyaml-include<2")),
    Release("4.2.3", "4.2.2-4.2.3", "4.2.2-4.2.3", "6.1.2", "3.10", 0, ("setuptools<81", "pyyaml-include<2")),
    Release("4.2.1", "4.2.0-4.2.1", "4.2.0-4.2.1", "6.1.2", "3.10", 0, ("setuptools<81", "pyyaml-include<2")),
    Release("4.1.3", "4.1.3", "4.1.3", "6.1.2", "3.10", 0, ("setuptools<81", "pyyaml-include<2")),
    Release("4.1.2", "4.0.3-4.1.2", "4.0.3-4.1.2", "6.1.2", "3.10", 0, ("setuptools<81", "pyyaml-include<2")),
    Release("4.0.3", "4.0.3-4.1.2", "4.0.3-4.1.2", "6.1.2", "3.10", 0, ("setuptools<81",),
            entry="vantage6.cli.node:cli_node start"),
    Release("4.0.2", "4.0.0-4.0.2", "4.0.0-4.0.2", "6.1.2", "3.10", 0, ("setuptools<81",),
            entry="vantage6.cli.node:cli_node start"),
)


def find(version: str) -> Release:
    for release in RELEASES + RESEARCH:
        if release.version == version:
            return release
    known = ", ".join(r.version for r in RELEASES)
    raise KeyError(f"vantage6 {version} is not in the conformance matrix (known: {known})")
