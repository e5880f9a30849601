"""The official `v6` command (vantage6 4.15.2 from PyPI), as its console script runs it,
with one change: this machine carries a stray /.dockerenv, so vantage6 would take itself
for a container and look for configs under /mnt/... . Only that check is replaced, in this
process; what the command builds is unchanged (the same patch as tests/conformance).

    <official venv>/bin/python official_v6.py node start -n NAME -i IMAGE ...
"""
import sys

import vantage6.common.docker.addons as addons


def not_in_docker() -> bool:
    return False


def main() -> int:
    from vantage6.cli.cli import cli_complete

    original = addons.running_in_docker
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("vantage6") and \
                getattr(module, "running_in_docker", None) is original:
            module.running_in_docker = not_in_docker
    try:
        cli_complete.main(args=sys.argv[1:], prog_name="v6", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
