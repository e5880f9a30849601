"""The README's install path: `pip install ./bindings/python` into a fresh venv,
against the build tree's libv6node (PKG_CONFIG_PATH=<build>/pkgconfig-uninstalled),
then `import v6node` there. Nothing may be written into the source tree."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import BUILD_DIR, FIXTURES, SOURCE_DIR

PACKAGE = SOURCE_DIR / "bindings" / "python"


def tree(root: Path) -> set:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_pip_install_builds_against_the_build_tree(tmp_path: Path) -> None:
    pc_dir = BUILD_DIR / "pkgconfig-uninstalled"
    assert (pc_dir / "v6node.pc").exists(), "configure the build first"
    before = tree(PACKAGE)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    env = {**os.environ, "PKG_CONFIG_PATH": str(pc_dir), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)  # the venv must use what it installed, not the build's copy
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", str(PACKAGE)], env=env,
                       capture_output=True, text=True, timeout=800)
    assert r.returncode == 0, r.stdout + r.stderr
    assert tree(PACKAGE) == before, "pip install wrote into the source tree"

    # In the venv, from another directory, with no LD_LIBRARY_PATH: the rpath finds
    # the library, and the spec is the fixture's.
    case = FIXTURES / "01-user-by-name"
    script = (
        "import json, v6node; "
        "print(json.dumps([v6node.__file__, v6node.library_version(), "
        "v6node.build_spec(name='alpha')]))"
    )
    run_env = {k: v for k, v in env.items() if k not in ("LD_LIBRARY_PATH", "PYTHONPATH")}
    run_env["HOME"] = str((case / "home").resolve())
    r = subprocess.run([str(py), "-c", script], cwd=tmp_path, env=run_env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    path, version, spec = json.loads(r.stdout)
    assert path.startswith(str(venv))
    assert version == "0.1.0"
    expected = (case / "expected.json").read_text().replace("@DIR@", str(case.resolve()))
    assert json.dumps(spec) == json.dumps(json.loads(expected))
