#!/usr/bin/env bash
# Install what the Python binding tests need, when missing (ctest: python_setup).
#   setup-test-env.sh [PYTHON]
# - Debian: chromium + chromium-driver for the browser test (through
#   scripts/install-deps.sh, which does nothing when they are installed);
# - pip: requirements-test.txt into PYTHON (default python3), only when one of
#   them is missing, so a run with everything present needs no network.
# V6N_PYTHON_INSTALL_DEPS=OFF only checks, and fails listing what is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
py=${1:-python3}
install=${V6N_PYTHON_INSTALL_DEPS:-ON}

wanted_debs=(chromium chromium-driver)
# Debian's own interpreter has pip and venv in separate packages.
if ! "$py" -m pip --version >/dev/null 2>&1 || ! "$py" -c "import ensurepip, venv" 2>/dev/null; then
  case "$(command -v "$py")" in /usr/bin/*) wanted_debs+=(python3-pip python3-venv) ;; esac
fi
missing_debs=()
for p in "${wanted_debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing_debs+=("$p")
done
if [ ${#missing_debs[@]} -gt 0 ]; then
  if [ "$install" = OFF ]; then
    echo "setup-test-env: missing Debian packages: ${missing_debs[*]}" >&2; exit 1
  fi
  "$root/scripts/install-deps.sh" "${missing_debs[@]}"
fi

# Which requirements are not satisfied (name and version), by the interpreter itself.
missing_py=$("$py" - "$here/requirements-test.txt" <<'PY'
import re, sys
from importlib import metadata
def version(v):
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3])
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, _, low = line.partition(">=")  # every line is NAME or NAME>=VERSION
    try:
        have = metadata.version(name.strip())
    except metadata.PackageNotFoundError:
        print(line); continue
    if low and version(have) < version(low):
        print(line)
PY
)
if [ -n "$missing_py" ]; then
  if [ "$install" = OFF ]; then
    echo "setup-test-env: missing Python packages for $py: $(echo $missing_py)" >&2; exit 1
  fi
  echo "setup-test-env: installing into $py: $(echo $missing_py)" >&2
  # A Debian-managed interpreter refuses pip without this (PEP 668).
  PIP_BREAK_SYSTEM_PACKAGES=1 "$py" -m pip install -q --disable-pip-version-check -r "$here/requirements-test.txt"
fi

for tool in /usr/bin/chromium /usr/bin/chromedriver; do
  [ -x "$tool" ] || { echo "setup-test-env: $tool is missing" >&2; exit 1; }
done
"$py" -c "import pytest, flask, yaml, selenium" 
echo "setup-test-env: ready ($py; $(/usr/bin/chromium --version 2>/dev/null | head -1))"
