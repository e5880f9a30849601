"""Build of `v6node` for `pip install ./bindings/python` and `pip wheel`.

The metadata is in pyproject.toml; this file builds the one extension module,
v6node._native._v6nraw, and the wheel carries libv6node inside it:

  - SWIG runs on v6node_python.i (which includes the shared bindings/v6node.i)
    with -threads; its Python half goes into the package, its C half into the
    build folder;
  - libv6node's own C sources (libv6node/*.c) are compiled into the same
    module, statically, with the flags CMake uses; the module exports nothing
    but PyInit__v6nraw, so it never clashes with another libv6node in the
    process. It needs libcurl, yajl and libyaml at run time (found with
    pkg-config at build time: the -dev packages);
  - the sources come from the checkout (../../libv6node, ../../include,
    ../v6node.i) or, in an sdist, from the copy it carries in _vendor/.

Environment:
  V6NODE_SYSTEM_LIBRARY=1  link an installed libv6node instead (pkg-config
                           v6node, which also gives the folder of v6node.i);
                           the module then has an rpath to its folder
  SWIG                     the swig program (default: swig on PATH)
  PKG_CONFIG               the pkg-config program
  V6NODE_BUILD_DIR         where setuptools' build and egg-info folders go
                           (default a temporary folder: nothing is written into
                           the source tree)
"""
from __future__ import annotations

import atexit
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Tuple

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.sdist import sdist

HERE = os.path.dirname(os.path.abspath(__file__))
VENDOR = os.path.join(HERE, "_vendor")


def source_root() -> str:
    """The folder holding libv6node/, include/ and bindings/v6node.i: the
    checkout, else the copy an sdist carries."""
    for root in (os.path.normpath(os.path.join(HERE, "..", "..")), VENDOR):
        if (os.path.isfile(os.path.join(root, "include", "v6node.h"))
                and os.path.isfile(os.path.join(root, "bindings", "v6node.i"))
                and glob.glob(os.path.join(root, "libv6node", "*.c"))):
            return root
    sys.exit("v6node: cannot find libv6node's sources (../../libv6node, ../../include, "
             "../v6node.i, or _vendor/ in an sdist)")


def version() -> str:
    """The package's version is the library's (V6N_VERSION in v6node.h)."""
    header = os.path.join(source_root(), "include", "v6node.h")
    with open(header, encoding="utf-8") as f:
        m = re.search(r'#define V6N_VERSION\s+"([^"]+)"', f.read())
    if not m:
        sys.exit(f"v6node: no V6N_VERSION in {header}")
    return m.group(1)


def system_library() -> bool:
    return os.environ.get("V6NODE_SYSTEM_LIBRARY", "") not in ("", "0", "no", "false")


def pkg_config(*packages: str) -> Dict[str, List[str]]:
    """The compile and link flags of `packages`, sorted by kind."""
    exe = os.environ.get("PKG_CONFIG", "pkg-config")
    try:
        out = subprocess.run([exe, "--cflags", "--libs", *packages], check=True,
                             capture_output=True, text=True).stdout
    except FileNotFoundError:
        sys.exit(f"v6node: {exe} is not installed (Debian: apt-get install pkg-config)")
    except subprocess.CalledProcessError as e:
        sys.exit(f"v6node: pkg-config cannot find {' '.join(packages)}: {e.stderr.strip()}\n"
                 "Install the -dev packages libv6node builds with (Debian: libcurl4-openssl-dev "
                 "libyajl-dev libyaml-dev), or set PKG_CONFIG_PATH.")
    flags: Dict[str, List[str]] = {"I": [], "L": [], "l": [], "other": []}
    for flag in shlex.split(out):
        kind = flag[1:2] if flag[:2] in ("-I", "-L", "-l") else "other"
        flags[kind].append(flag[2:] if kind != "other" else flag)
    return flags


def dependencies() -> Dict[str, List[str]]:
    """libcurl, yajl and libyaml (yajl 2.1 on Debian has a .pc file; an
    older one may not)."""
    try:
        return pkg_config("libcurl", "yajl", "yaml-0.1")
    except SystemExit:
        deps = pkg_config("libcurl", "yaml-0.1")
        deps["l"].append("yajl")
        return deps


class BuildExt(build_ext):
    """SWIG first, then the module with libv6node in it (sources compiled two
    at a time)."""

    def run(self) -> None:
        swig = os.environ.get("SWIG") or shutil.which("swig") or shutil.which("swig4.0")
        if not swig:
            sys.exit("v6node: swig is not installed (Debian: apt-get install swig)")
        root = source_root()
        tmp = os.path.abspath(self.build_temp)
        os.makedirs(tmp, exist_ok=True)
        if self.inplace:
            outdir = os.path.join(HERE, "v6node", "_native")
        else:
            outdir = os.path.join(os.path.abspath(self.build_lib), "v6node", "_native")
        os.makedirs(outdir, exist_ok=True)
        for ext in self.extensions:
            if system_library():
                lib = pkg_config("v6node")
                includes = lib["I"]
                sources: List[str] = []
                ext.include_dirs = list(lib["I"])
                ext.libraries = lib["l"]
                ext.library_dirs = lib["L"]
                ext.runtime_library_dirs = list(lib["L"])
                ext.extra_compile_args = [*lib["other"]]
            else:
                deps = dependencies()
                includes = [os.path.join(root, "include"), os.path.join(root, "bindings")]
                sources = sorted(glob.glob(os.path.join(root, "libv6node", "*.c")))
                ext.include_dirs = [os.path.join(root, "include"),
                                    os.path.join(root, "libv6node"), *deps["I"]]
                ext.libraries = [*deps["l"], "m"]
                ext.library_dirs = deps["L"]
                ext.define_macros = [("_POSIX_C_SOURCE", "200809L"), ("_DEFAULT_SOURCE", None)]
                ext.extra_compile_args = ["-std=c11", "-fvisibility=hidden", *deps["other"]]
            script = os.path.join(tmp, "v6nraw.map")
            with open(script, "w") as f:
                f.write("{ global: PyInit__v6nraw; local: *; };\n")
            ext.extra_compile_args += ["-pthread", "-Wno-unused-parameter"]
            ext.extra_link_args = ["-pthread", f"-Wl,--version-script={script}"]
            wrap = os.path.join(tmp, "v6nraw_wrap.c")
            cmd = [swig, "-python", "-threads", *(f"-I{d}" for d in includes),
                   "-outdir", outdir, "-o", wrap, os.path.join(HERE, "v6node_python.i")]
            self.announce(" ".join(cmd), level=2)
            subprocess.run(cmd, check=True)
            ext.sources = [wrap, *sources]
        super().run()

    def build_extension(self, ext: Extension) -> None:
        # distutils compiles one source after another; libv6node has ~30.
        compile_one = self.compiler.compile

        def compile_all(sources: List[str], *args: object, **kwargs: object) -> List[str]:
            jobs = max(1, min(int(os.environ.get("V6NODE_BUILD_JOBS", "2")), 8))
            with ThreadPoolExecutor(jobs) as pool:
                parts = pool.map(lambda s: compile_one([s], *args, **kwargs), sources)
                return [obj for objs in parts for obj in objs]

        self.compiler.compile = compile_all  # type: ignore[method-assign]
        try:
            super().build_extension(ext)
        finally:
            self.compiler.compile = compile_one  # type: ignore[method-assign]


class SdistWithSources(sdist):
    """An sdist carries libv6node's sources in _vendor/, so it builds
    anywhere."""

    def make_release_tree(self, base_dir: str, files: List[str]) -> None:
        super().make_release_tree(base_dir, files)
        root = source_root()
        dest = os.path.join(base_dir, "_vendor")
        copies: List[Tuple[str, str]] = [(os.path.join(root, "bindings", "v6node.i"),
                                          os.path.join(dest, "bindings"))]
        copies += [(os.path.join(root, "include", "v6node.h"), os.path.join(dest, "include"))]
        for pattern in ("*.c", "*.h"):
            copies += [(p, os.path.join(dest, "libv6node"))
                       for p in glob.glob(os.path.join(root, "libv6node", pattern))]
        for src, folder in copies:
            os.makedirs(folder, exist_ok=True)
            shutil.copy2(src, folder)


def build_base() -> str:
    """Keep setuptools' build/ and *.egg-info out of the source tree."""
    base = os.environ.get("V6NODE_BUILD_DIR")
    if not base:
        base = tempfile.mkdtemp(prefix="v6node-build-")
        atexit.register(shutil.rmtree, base, True)
    return base


_BASE = build_base()

setup(
    version=version(),
    ext_modules=[Extension("v6node._native._v6nraw", sources=[])],
    cmdclass={"build_ext": BuildExt, "sdist": SdistWithSources},
    options={
        "build": {"build_base": os.path.join(_BASE, "build")},
        "egg_info": {"egg_base": _BASE},
    },
)
