"""Packaging: `pip wheel ./bindings/python` builds a wheel that carries
libv6node inside it (no installed libv6node, no build tree needed), and that
wheel alone installs into a fresh venv where `import v6node` builds a spec.
Also `pip install ./bindings/python` straight into a venv. Nothing may be
written into the source tree. The builds use the test interpreter's
setuptools and wheel (--no-build-isolation), so they need no network."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Dict, List

import pytest

from conftest import FIXTURES, SOURCE_DIR

PACKAGE = SOURCE_DIR / "bindings" / "python"
CASE = FIXTURES / "01-user-by-name"
SCRIPT = (
    "import json, v6node; "
    "print(json.dumps([v6node.__file__, v6node.library_version(), "
    "v6node.Node('alpha').spec()]))"
)


def tree(root: Path) -> set:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def clean_env() -> Dict[str, str]:
    """No PYTHONPATH (the venv must use what it installed, not the build's
    copy), no LD_LIBRARY_PATH, no pkg-config path to a build tree."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "LD_LIBRARY_PATH", "PKG_CONFIG_PATH",
                        "V6NODE_SYSTEM_LIBRARY")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def pip(python: str, *args: str, timeout: int = 600) -> None:
    r = subprocess.run([python, "-m", "pip", *args], env=clean_env(), capture_output=True,
                       text=True, timeout=timeout)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]


def new_venv(where: Path, *more: str) -> str:
    subprocess.run([sys.executable, "-m", "venv", *more, str(where)], check=True)
    return str(where / "bin" / "python")


def spec_in(python: str, cwd: Path) -> List:
    """Run SCRIPT with the venv's python, from another folder, HOME the
    fixture's."""
    env = clean_env()
    env["HOME"] = str((CASE / "home").resolve())
    r = subprocess.run([python, "-c", SCRIPT], cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    result: List = json.loads(r.stdout)
    return result


def expected_spec() -> Dict:
    text = (CASE / "expected.json").read_text().replace("@DIR@", str(CASE.resolve()))
    expected: Dict = json.loads(text)
    return expected


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    before = tree(PACKAGE)
    t0 = time.monotonic()
    pip(sys.executable, "wheel", "--no-build-isolation", "--no-deps", "-w", str(out),
        str(PACKAGE))
    print(f"wheel built in {time.monotonic() - t0:.1f} s")
    assert tree(PACKAGE) == before, "pip wheel wrote into the source tree"
    wheels = list(out.glob("v6node-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_carries_libv6node(wheel: Path) -> None:
    import v6node  # the build's copy, for the version

    assert wheel.name.startswith(f"v6node-{v6node.library_version()}-")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        modules = [n for n in names if n.startswith("v6node/_native/_v6nraw") and
                   n.endswith(".so")]
        assert len(modules) == 1, names
        assert "v6node/py.typed" in names and "v6node/_native/v6nraw.py" in names
        module = z.read(modules[0])
    # libv6node is inside the module (its code, not a reference to libv6node.so)
    assert b"libv6node.so" not in module
    assert b"node %s is already running" in module
    print(f"wheel {wheel.name}: {wheel.stat().st_size} bytes")


def test_the_wheel_alone_installs_into_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    python = new_venv(tmp_path / "venv")
    pip(python, "install", "--no-index", "--no-deps", str(wheel))
    path, version, spec = spec_in(python, tmp_path)
    assert path.startswith(str(tmp_path / "venv"))
    import v6node

    assert version == v6node.library_version()
    assert json.dumps(spec) == json.dumps(expected_spec())
    module = next((Path(path).parent / "_native").glob("_v6nraw*.so"))
    ldd = subprocess.run(["ldd", str(module)], capture_output=True, text=True)
    assert "libcurl" in ldd.stdout and "libv6node" not in ldd.stdout, ldd.stdout


def test_pip_install_from_the_source_folder(tmp_path: Path) -> None:
    before = tree(PACKAGE)
    # the build tools (setuptools, wheel) from the test interpreter, offline
    python = new_venv(tmp_path / "venv", "--system-site-packages")
    pip(python, "install", "-q", "--no-build-isolation", str(PACKAGE))
    assert tree(PACKAGE) == before, "pip install wrote into the source tree"
    path, _, spec = spec_in(python, tmp_path)
    assert path.startswith(str(tmp_path / "venv"))
    assert json.dumps(spec) == json.dumps(expected_spec())
