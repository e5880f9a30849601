"""Run a real vantage6 server (vantage6-server 4.15.2) outside Docker.

    <server venv>/bin/python server.py CONFIG.yaml HOST PORT

The package has no start command outside its container image: this does what its
WSGI entry point does (`run_server`) and then serves with its development runner
(Flask-SocketIO on gevent), listening on HOST:PORT. It prints "e2e-server: listening"
just before it starts serving (run.sh then waits for GET /api/version to answer), and
ends on SIGTERM (its default action).
Must run on Python 3.10: on 3.11 every permission check of 4.15.2 fails
('RuleCollection' object has no attribute 'c_glo').
"""
import sys

# importing the package monkey-patches the standard library for gevent
from vantage6.server import run_dev_server, run_server


def main() -> None:
    config, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    app = run_server(config, system_folders=False)
    print(f"e2e-server: listening on {host}:{port}", flush=True)
    run_dev_server(app, host=host, port=port)


if __name__ == "__main__":
    main()
