#!/usr/bin/env python3
"""The conformance matrix: every spec fixture against every vantage6 release of releases.py.

For each release this makes (once) a venv with `vantage6==X` from PyPI, then runs
`vantage6_conformance.py --release X` with that venv's python, which compares
`v6node spec --vantage6-version X` with the create body the real `v6 node start` of X
sends to a fake engine. It prints one line per fixture and release (MATCH, DEVIATION,
REFUSED, SKIP or FAIL) and fails when

  * any cell is FAIL, or a release's check could not run at all;
  * a release has fewer MATCH cells than its floor in releases.py (so a fixture that
    quietly becomes a SKIP or a REFUSED is noticed).

The venvs live outside the source tree, so a fresh clone reuses them:
`$V6N_CONFORMANCE_CACHE`, else `${XDG_CACHE_HOME:-~/.cache}/libv6node/conformance`, one
folder `vantage6-X` per release. A venv is made again only when it is broken (its python
cannot import vantage6 and docker at the pinned versions). Runs share the venvs safely: a
lock file serialises their creation.

    python3 tests/conformance/matrix.py --v6node build/cli/v6node --fixtures tests/fixtures \
        [--release 4.15.2 ...] [--only 23 40 ...] [--ours-version '']

Exit status: 0 all good, 1 a FAIL or a floor not reached, 2 a setup problem.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True      # no __pycache__ in the source tree

import releases as release_table  # noqa: E402

STATUSES = ("MATCH", "DEVIATION", "REFUSED", "SKIP", "FAIL")
PIP_TIMEOUT_S = 900


def cache_root() -> Path:
    explicit = os.environ.get("V6N_CONFORMANCE_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "libv6node" / "conformance"


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def venv_ok(venv: Path, release: release_table.Release) -> bool:
    """The venv imports the CLI and docker-py, at exactly the versions the release pins."""
    probe = (f"import importlib.metadata as m, {release.entry_module}, docker; "
             "print(m.version('vantage6'), m.version('docker'))")
    try:
        proc = subprocess.run([str(venv_python(venv)), "-c", probe], capture_output=True,
                              text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0 and proc.stdout.split() == [release.version, release.docker]


def find_python(want: str) -> str | None:
    """An interpreter for `want` ("3", "3.10"): `python<want>` on PATH when it runs (a pyenv
    shim of an inactive version does not), else one of pyenv's installed versions."""
    candidates = [shutil.which(f"python{want}")]
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    if pyenv.is_dir():
        candidates += [str(p / "bin" / f"python{want}") for p in sorted(pyenv.glob(f"{want}.*"), reverse=True)]
    for candidate in filter(None, candidates):
        try:
            proc = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                                  capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if proc.returncode == 0:
            return candidate
    return None


def ensure_venv(release: release_table.Release, root: Path, log) -> tuple[Path | None, float, str]:
    """The release's venv, made when missing or broken. Returns (venv, seconds spent
    making it, problem); venv is None when it could not be made."""
    venv = root / f"vantage6-{release.version}"
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f".vantage6-{release.version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)        # another run may be making it right now
        if venv_ok(venv, release):
            return venv, 0.0, ""
        start = time.monotonic()
        python = find_python(release.python)
        if python is None:
            return None, 0.0, f"no Python {release.python} found (PATH, then $PYENV_ROOT/versions)"
        log(f"conformance: making {venv} (vantage6=={release.version} from PyPI, {python})")
        shutil.rmtree(venv, ignore_errors=True)
        steps = ([python, "-m", "venv", str(venv)],
                 [str(venv_python(venv)), "-m", "pip", "install", "--quiet",
                  "--disable-pip-version-check", f"vantage6=={release.version}", *release.pip_extra])
        for step in steps:
            try:
                proc = subprocess.run(step, capture_output=True, text=True, timeout=PIP_TIMEOUT_S)
            except (OSError, subprocess.TimeoutExpired) as exc:
                return None, time.monotonic() - start, f"{' '.join(step[:3])}: {exc}"
            if proc.returncode != 0:
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
                return None, time.monotonic() - start, f"{' '.join(step[:3])} failed: " + " | ".join(tail)
        if not venv_ok(venv, release):
            return None, time.monotonic() - start, (
                f"{venv} does not import vantage6 {release.version} with docker {release.docker}")
        return venv, time.monotonic() - start, ""


def run_release(release, venv: Path, opts, workdir: Path) -> tuple[dict | None, str, float]:
    """Runs the per-release check; returns (its JSON result or None, its output, seconds)."""
    out_json = workdir / f"{release.version}.json"
    cmd = [str(venv_python(venv)), str(HERE / "vantage6_conformance.py"), "--release", release.version,
           "--v6node", opts.v6node, "--fixtures", opts.fixtures, "--json", str(out_json)]
    if opts.only:
        cmd += ["--only", *opts.only]
    if opts.ours_version is not None:
        cmd += ["--ours-version", opts.ours_version]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    elapsed = time.monotonic() - start
    output = proc.stdout + proc.stderr
    if proc.returncode not in (0, 1) or not out_json.exists():
        return None, output + f"\n(check exited {proc.returncode})", elapsed
    return json.loads(out_json.read_text(encoding="utf-8")), output, elapsed


def print_matrix(results: dict, releases: list) -> None:
    fixtures = []
    for rel in releases:
        for o in (results.get(rel.version) or {}).get("outcomes", []):
            if o["name"] not in fixtures:
                fixtures.append(o["name"])
    width = max([len(f) for f in fixtures] + [7])
    cols = [r.version for r in releases]
    print("\nMatrix (release x fixture):")
    print("  " + "fixture".ljust(width) + "  " + "  ".join(c.ljust(9) for c in cols))
    cell = {(rel.version, o["name"]): o["status"] for rel in releases
            for o in (results.get(rel.version) or {}).get("outcomes", [])}
    for f in sorted(fixtures):
        print("  " + f.ljust(width) + "  " + "  ".join(cell.get((c, f), "-").ljust(9) for c in cols))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--v6node", help="path to the built v6node CLI")
    parser.add_argument("--fixtures", help="the spec fixtures folder")
    parser.add_argument("--ensure-venv", metavar="X",
                        help="only make (or check) the venv of release X and print its path")
    parser.add_argument("--release", nargs="+", metavar="X",
                        help="only these releases of releases.py (default: all)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="fixture names or prefixes")
    parser.add_argument("--ours-version", metavar="V",
                        help="passed on: what v6node builds (default: each release itself; "
                        "'' = no --vantage6-version option)")
    parser.add_argument("--details", action="store_true",
                        help="print every release's full per-fixture output, not only failures")
    opts = parser.parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    if opts.ensure_venv:
        try:
            release = release_table.find(opts.ensure_venv)
        except KeyError as exc:
            print(f"setup: {exc.args[0]}", file=sys.stderr)
            return 2
        venv, _, problem = ensure_venv(release, cache_root(), log)
        if venv is None:
            print(f"setup: vantage6 {release.version}: no venv: {problem}", file=sys.stderr)
            return 2
        print(venv)
        return 0
    if not opts.v6node or not opts.fixtures:
        parser.error("--v6node and --fixtures are required")
    opts.v6node = os.path.realpath(opts.v6node)
    opts.fixtures = os.path.realpath(opts.fixtures)

    try:
        releases = [release_table.find(v) for v in opts.release] if opts.release \
            else list(release_table.RELEASES)
    except KeyError as exc:
        print(f"setup: {exc.args[0]}", file=sys.stderr)
        return 2
    root = cache_root()

    started = time.monotonic()
    results: dict[str, dict | None] = {}
    problems: list[str] = []
    timings = []
    workdir = Path(tempfile.mkdtemp(prefix="v6matrix-"))
    try:
        for rel in releases:
            venv, made_s, problem = ensure_venv(rel, root, log)
            if venv is None:
                problems.append(f"vantage6 {rel.version}: no venv: {problem}")
                results[rel.version] = None
                continue
            result, output, run_s = run_release(rel, venv, opts, workdir)
            timings.append((rel.version, made_s, run_s))
            results[rel.version] = result
            failed = result is None or any(o["status"] == "FAIL" for o in result["outcomes"])
            if failed or opts.details:
                print(f"\n==== vantage6 {rel.version}: full output", flush=True)
                print(output.rstrip())
            if result is None:
                problems.append(f"vantage6 {rel.version}: the check did not run (output above)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print_matrix(results, releases)
    print("\nPer release:")
    verdict = 0
    for rel in releases:
        result = results.get(rel.version)
        if result is None:
            print(f"  {rel.version:<8} (line {rel.line}): NOT RUN")
            verdict = 1
            continue
        counts = {s: sum(o["status"] == s for o in result["outcomes"]) for s in STATUSES}
        floor_note = ""
        if not opts.only and counts["MATCH"] < rel.match_floor:
            floor_note = f"  BELOW FLOOR: {counts['MATCH']} MATCH < {rel.match_floor}"
            verdict = 1
        if counts["FAIL"]:
            verdict = 1
        print(f"  {rel.version:<8} (line {rel.line}, covers {rel.covers}, v6node "
              f"{result['ours_version'] or 'without --vantage6-version'}): "
              + ", ".join(f"{n} {s}" for s, n in counts.items())
              + f"  [floor {rel.match_floor} MATCH]" + floor_note)
    for version, made_s, run_s in timings:
        print(f"  time {version:<8} venv {'%.0f s (made)' % made_s if made_s else 'cached'}, "
              f"check {run_s:.1f} s")
    print(f"  total {time.monotonic() - started:.1f} s; venvs in {root}")
    for p in problems:
        print(f"setup: {p}", file=sys.stderr)
    if problems and all(results.get(r.version) is None for r in releases):
        return 2
    return verdict


if __name__ == "__main__":
    sys.exit(main())
