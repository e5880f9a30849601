"""The e2e driver: runs the scenarios in order (each one is timed and either passes or
fails with its reason), stops every node it started, and writes the report.

    python3 main.py --settings SETTINGS.json --mode e2e|bench --report REPORT.json

Runs inside the suite's namespaces (run.sh). V6NE2E_ONLY=a,b runs only those scenarios.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from world import World, log  # noqa: E402


def run_scenarios(world: World, report_path: Path) -> None:
    import scenarios

    only = {n for n in os.environ.get("V6NE2E_ONLY", "").split(",") if n}
    results = []
    for name, title, func in scenarios.PLAN:
        if only and name not in only:
            continue
        print(f"e2e: --- {name}: {title}", file=sys.stderr, flush=True)
        t0 = time.monotonic()
        record: dict = {"name": name, "title": title}
        try:
            record.update(func(world) or {})
            record["passed"] = True
        except Exception as e:  # an AssertionError or anything a broken step raises
            record["passed"] = False
            record["error"] = f"{type(e).__name__}: {e}"
            with open(world.log_dir / "tracebacks.log", "a") as fh:
                fh.write(f"--- {name}\n{traceback.format_exc()}\n")
        record["seconds"] = round(time.monotonic() - t0, 2)
        results.append(record)
        verdict = "passed" if record["passed"] else f"FAILED: {record['error']}"
        print(f"e2e: {name}: {verdict} ({record['seconds']} s)", file=sys.stderr, flush=True)
        report_path.write_text(json.dumps({"scenarios": results}, indent=2))

    t0 = time.monotonic()
    left = world.stop_all()
    results.append({"name": "stop-all", "title": "every node the suite started is stopped",
                    "passed": not left, "seconds": round(time.monotonic() - t0, 2),
                    **({"error": f"containers left: {left}"} if left else {})})
    report_path.write_text(json.dumps({"scenarios": results}, indent=2))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--settings", required=True)
    ap.add_argument("--mode", choices=("e2e", "bench"), default="e2e")
    ap.add_argument("--report", required=True)
    args = ap.parse_args()
    settings = json.loads(Path(args.settings).read_text())
    world = World(settings)
    if args.mode == "bench":
        import bench
        try:
            bench.run(world, Path(args.report))
        finally:
            world.stop_all()
    else:
        run_scenarios(world, Path(args.report))
    log("driver done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
