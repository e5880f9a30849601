"""Build of the `v6node` extension for `pip install ./bindings/python`.

The metadata is in pyproject.toml; this file only builds the SWIG module:
  - SWIG runs on the one interface, ../v6node.i (shared with Go), with
    -threads, writing its C file into the build folder and its Python file
    into the package (v6node/_native/v6nraw.py) of the build folder;
  - ../glue.c (the binding layer) is compiled into the same module;
  - libv6node is found with `pkg-config --cflags --libs v6node` (PKG_CONFIG_PATH
    is honoured: PKG_CONFIG_PATH=<build>/pkgconfig-uninstalled builds against a
    build tree), yajl with `pkg-config yajl`, and the module gets an rpath to
    libv6node's folder so it loads without LD_LIBRARY_PATH.
Environment: SWIG (the swig program), V6NODE_BUILD_DIR (where setuptools'
build and egg-info folders go; default a temporary folder, so nothing is
written into the source tree).
"""
import atexit
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.sdist import sdist

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = ("v6node.i", "glue.c", "glue.h")  # from bindings/, shared with Go


def shared_dir():
    """bindings/ in a checkout; the copy an sdist carries otherwise."""
    for d in (os.path.dirname(HERE), os.path.join(HERE, "_shared")):
        if all(os.path.isfile(os.path.join(d, f)) for f in SHARED):
            return d
    sys.exit("v6node: cannot find v6node.i, glue.c and glue.h (in ../ or _shared/)")


def pkg_config(*packages):
    """(include dirs, library dirs, libraries, other flags) of `packages`."""
    exe = os.environ.get("PKG_CONFIG", "pkg-config")
    try:
        out = subprocess.run([exe, "--cflags", "--libs", *packages], check=True,
                             capture_output=True, text=True).stdout
    except FileNotFoundError:
        sys.exit(f"v6node: {exe} is not installed")
    except subprocess.CalledProcessError as e:
        sys.exit(f"v6node: pkg-config cannot find {' '.join(packages)}: {e.stderr.strip()}\n"
                 "Install libv6node (make install), or set PKG_CONFIG_PATH, e.g. "
                 "PKG_CONFIG_PATH=<build>/pkgconfig-uninstalled for a build tree.")
    inc, libdirs, libs, other = [], [], [], []
    for flag in shlex.split(out):
        if flag.startswith("-I"):
            inc.append(flag[2:])
        elif flag.startswith("-L"):
            libdirs.append(flag[2:])
        elif flag.startswith("-l"):
            libs.append(flag[2:])
        else:
            other.append(flag)
    return inc, libdirs, libs, other


class BuildSwig(build_ext):
    """Run SWIG on ../v6node.i first, into the build folders."""

    def run(self):
        swig = os.environ.get("SWIG") or shutil.which("swig") or shutil.which("swig4.0")
        if not swig:
            sys.exit("v6node: swig is not installed (Debian: apt-get install swig)")
        src = shared_dir()
        for ext in self.extensions:
            inc, libdirs, libs, other = pkg_config("v6node")
            try:
                yinc, ylibdirs, ylibs, _ = pkg_config("yajl")
            except SystemExit:  # an old yajl without a .pc file
                yinc, ylibdirs, ylibs = [], [], ["yajl"]
            if self.inplace:
                outdir = os.path.join(HERE, "v6node", "_native")
            else:
                outdir = os.path.join(os.path.abspath(self.build_lib), "v6node", "_native")
            os.makedirs(outdir, exist_ok=True)
            tmp = os.path.abspath(self.build_temp)
            os.makedirs(tmp, exist_ok=True)
            wrap = os.path.join(tmp, "v6nraw_wrap.c")
            cmd = [swig, "-python", "-threads", f"-I{src}", *(f"-I{d}" for d in inc),
                   "-outdir", outdir, "-o", wrap, os.path.join(src, "v6node.i")]
            self.announce(" ".join(cmd), level=2)
            subprocess.run(cmd, check=True)
            ext.sources = [wrap, os.path.join(src, "glue.c")]
            ext.include_dirs = [src, *inc, *yinc]
            ext.library_dirs = [*libdirs, *ylibdirs]
            ext.libraries = [*libs, *ylibs]
            ext.runtime_library_dirs = list(libdirs)  # rpath: libv6node where pkg-config says
            ext.extra_compile_args = ["-pthread", "-Wno-unused-parameter", *other]
            ext.extra_link_args = ["-pthread"]
        super().run()


class SdistWithShared(sdist):
    """An sdist carries copies of ../v6node.i, ../glue.c, ../glue.h in _shared/."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        dest = os.path.join(base_dir, "_shared")
        os.makedirs(dest, exist_ok=True)
        for f in SHARED:
            shutil.copy2(os.path.join(shared_dir(), f), dest)


def build_base():
    """Keep setuptools' build/ and *.egg-info out of the source tree."""
    base = os.environ.get("V6NODE_BUILD_DIR")
    if not base:
        base = tempfile.mkdtemp(prefix="v6node-build-")
        atexit.register(shutil.rmtree, base, True)
    return base


_BASE = build_base()

setup(
    ext_modules=[Extension("v6node._native._v6nraw", sources=[])],
    cmdclass={"build_ext": BuildSwig, "sdist": SdistWithShared},
    options={
        "build": {"build_base": os.path.join(_BASE, "build")},
        "egg_info": {"egg_base": _BASE},
    },
)
