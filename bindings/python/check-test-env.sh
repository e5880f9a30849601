#!/usr/bin/env bash
# Check (never install) what the Python binding tests need (ctest: python_setup).
#   check-test-env.sh [PYTHON]
# - PYTHON (default python3) has requirements-test.txt, pip and venv;
# - chromium and chromedriver for the browser test.
# scripts/install-deps.sh (make deps, make test) installs all of them; this
# script names what is missing and fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=${1:-python3}
missing=()

# Which requirements are not satisfied (name and version), by the interpreter itself.
while IFS= read -r req; do
  [ -n "$req" ] && missing+=("$req (pip, for $py)")
done < <("$py" "$here/unmet-requirements.py" "$here/requirements-test.txt")
"$py" -m pip --version >/dev/null 2>&1 || missing+=("pip for $py")
"$py" -c "import ensurepip, venv" 2>/dev/null || missing+=("venv and ensurepip for $py")
for tool in /usr/bin/chromium /usr/bin/chromedriver; do
  [ -x "$tool" ] || missing+=("$tool (Debian: chromium, chromium-driver)")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "check-test-env: missing for the Python tests:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  echo "Install them with scripts/install-deps.sh (make deps)." >&2
  exit 1
fi
echo "check-test-env: ready ($py; $(/usr/bin/chromium --version 2>/dev/null | head -1))"
