#!/usr/bin/env bash
# Run the vantage6 conformance check, creating its venv (vantage6 4.14.0 from
# PyPI, which brings docker-py 7.1.0) on first use.
# Usage: run.sh VENV_DIR V6NODE FIXTURES_DIR     the fixtures (vantage6_conformance.py)
#        run.sh VENV_DIR --auth AUTH_PROBE         registry credentials (registry_auth_diff.py)
set -euo pipefail
venv=$1
here=$(cd "$(dirname "$0")" && pwd)
python=${V6N_PYTHON:-python3}

if ! "$venv/bin/python" -c 'import vantage6.cli, docker' 2>/dev/null; then
  echo "conformance: creating $venv with vantage6==4.14.0 (once)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check vantage6==4.14.0
fi
if [ "$2" = --auth ]; then
  exec "$venv/bin/python" "$here/registry_auth_diff.py" --probe "$3"
fi
exec "$venv/bin/python" "$here/vantage6_conformance.py" --v6node "$2" --fixtures "$3"
