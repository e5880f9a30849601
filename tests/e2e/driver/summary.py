"""The suite's last words (run.sh, after the teardown): adds the teardown to the report,
writes it, and prints the summary line last.

    summary.py REPORT TEARDOWN(passed|failed) TEARDOWN_SECONDS TOTAL_SECONDS RUN_EXIT MODE

Exit status: 0 when every scenario and the teardown passed (and the run itself exited 0).
"""
import json
import sys
from pathlib import Path


def main() -> int:
    report, teardown, t_secs, total, run_rc, mode = sys.argv[1:7]
    path = Path(report)
    data = json.loads(path.read_text()) if path.exists() else {"scenarios": []}
    scenarios = data.setdefault("scenarios", [])
    if int(run_rc) != 0 and mode == "e2e" and (not scenarios or all(s["passed"] for s in scenarios)):
        # the run stopped before or outside a scenario (setup, the driver itself)
        scenarios.append({"name": "setup", "passed": False, "seconds": 0,
                          "error": f"the run exited {run_rc} outside a scenario (see above)"})
    scenarios.append({"name": "teardown", "title": "everything stopped by pid, namespace deleted",
                      "passed": teardown == "passed", "seconds": float(t_secs)})
    data["total_seconds"] = int(total)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    failed = [s for s in scenarios if not s["passed"]]
    for s in failed:
        print(f"e2e: FAILED {s['name']}: {s.get('error', '')}", file=sys.stderr)
    passed = len(scenarios) - len(failed)
    print(f"e2e: report {path}, {total} s in all", file=sys.stderr)
    if mode == "bench" and not failed:
        print(f"e2e bench: results in {path.parent / 'bench.md'}", file=sys.stderr)
    sys.stderr.flush()
    print(f"e2e: {passed} passed, {len(failed)} failed", flush=True)
    return 0 if not failed and int(run_rc) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
