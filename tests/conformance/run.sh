#!/usr/bin/env bash
# Run the vantage6 conformance checks. The venvs (one per vantage6 release, from PyPI) are
# made on first use and kept outside the source tree (matrix.py: $V6N_CONFORMANCE_CACHE,
# else ${XDG_CACHE_HOME:-~/.cache}/libv6node/conformance), so a fresh clone reuses them.
# Usage: run.sh --matrix V6NODE FIXTURES_DIR [matrix.py options]   every fixture x release
#        run.sh --auth AUTH_PROBE                                  registry credentials
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=${V6N_PYTHON:-python3}

case ${1:-} in
  --matrix)
    shift
    v6node=$1 fixtures=$2
    shift 2
    exec "$python" "$here/matrix.py" --v6node "$v6node" --fixtures "$fixtures" "$@"
    ;;
  --auth)
    # docker-py 7.1.0 computes the header: the newest release's venv has it.
    venv=$("$python" "$here/matrix.py" --ensure-venv 4.15.2)
    exec "$venv/bin/python" "$here/registry_auth_diff.py" --probe "$2"
    ;;
  *)
    echo "usage: run.sh --matrix V6NODE FIXTURES_DIR [options] | run.sh --auth AUTH_PROBE" >&2
    exit 2
    ;;
esac
