"""make bench-e2e: from the start command to "node online" on the server, for `v6node
start` and the official `v6 node start` (vantage6 4.15.2), interleaved (the order
alternates every round), with each command's own wall time and peak RSS (wait4).

Both start a node of the same collaboration from the same kind of config, on the same
image, in the suite's namespace; between starts the node is stopped by the same tool and
the server must report it offline. Writes bench.json and bench.md beside the report.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

from world import World, check, log

LIB_NODE = "v6ne2e-bench-v6node"
OFFICIAL_NODE = "v6ne2e-bench-official"
POLL_S = 0.02


def timed_start(w: World, argv: list[str], node_id: int, timeout: float = 60) -> dict:
    """Runs argv through bench/bench_launch (small and static, so that ru_maxrss is the
    command's own and not the memory of this Python process it would be forked from);
    returns seconds to online on the server (from just before the spawn), the command's
    wall time and its peak RSS in MiB."""
    check(w.api.node_status(node_id) == "offline", f"node {node_id} is online before its start")
    launch = str(Path(w.s["build"]) / "bench" / "bench_launch")
    rfd, wfd = os.pipe()
    t0 = time.monotonic()
    proc = subprocess.Popen(["/bin/sh", "-c", f'exec "$0" "$@" 3>&{wfd} {wfd}>&-', launch, *argv],
                            pass_fds=(wfd,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(wfd)
    online = None
    while online is None or proc.poll() is None:
        if online is None and w.api.node_status(node_id) == "online":
            online = time.monotonic() - t0
        check(time.monotonic() - t0 < timeout, f"{argv[:3]}: not online after {timeout} s")
        time.sleep(POLL_S)
    with os.fdopen(rfd) as fh:
        report = fh.read().split()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    check(proc.returncode == 0 and len(report) == 4 and report[2] == "0",
          f"{argv[:3]} failed (launcher {proc.returncode}, report {report}): {err[-500:]}")
    return {"online_s": online, "wall_s": float(report[0]) / 1e9,
            "rss_mib": float(report[1]) / 1024}


def run(w: World, report: Path) -> None:
    started = time.monotonic()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    a, b = w.site("site-a"), w.site("site-b")
    db = w.make_csv("bench-v6node")
    w.write_config(LIB_NODE, a.api_key, db)
    w.write_config(OFFICIAL_NODE, b.api_key, w.make_csv("bench-official", like=db))
    w.started += [LIB_NODE, OFFICIAL_NODE]
    official = [w.s["venvs"]["official"] + "/bin/python",
                str(Path(w.s["here"]) / "driver" / "official_v6.py"), "node"]
    contenders = [
        ("v6node start", a.node_id, [w.s["cli"], "start", "-n", LIB_NODE, "-i", w.node_image],
         [w.s["cli"], "stop", "-n", LIB_NODE]),
        ("v6 node start", b.node_id, official + ["start", "-n", OFFICIAL_NODE, "--user", "-i", w.node_image],
         official + ["stop", "-n", OFFICIAL_NODE, "--user"]),
    ]
    rounds = int(w.s.get("bench_rounds", 5))
    samples: dict[str, list[dict]] = {c[0]: [] for c in contenders}
    for r in range(rounds):
        order = contenders if r % 2 == 0 else contenders[::-1]
        for name, node_id, start, stop in order:
            sample = timed_start(w, start, node_id)
            samples[name].append(sample)
            log(f"round {r + 1}/{rounds} {name}: online {sample['online_s']:.2f} s, "
                f"command {sample['wall_s']:.2f} s, {sample['rss_mib']:.1f} MiB")
            w.run(stop, check_rc=True)
            w.api.wait_node_status(node_id, "offline", 30)
            w.wait_container_gone(LIB_NODE if name.startswith("v6node") else OFFICIAL_NODE, 30)

    def med(name: str, key: str) -> float:
        return statistics.median(s[key] for s in samples[name])

    table = {name: {k: med(name, k) for k in ("online_s", "wall_s", "rss_mib")} for name in samples}
    ratio = table["v6 node start"]["online_s"] / table["v6node start"]["online_s"]
    # paired by round (both started in the same round, one after the other): less
    # sensitive to the load other users put on the machine than the ratio of medians
    pairs = list(zip(samples["v6node start"], samples["v6 node start"]))
    paired_diff = statistics.median(o["online_s"] - v["online_s"] for v, o in pairs)
    paired_ratio = statistics.median(o["online_s"] / v["online_s"] for v, o in pairs)
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    result = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, {platform.platform()}",
        "load_average": {"before": load_before, "after": load_after},
        "rounds": rounds, "samples": samples, "medians": table,
        "ratio_online_official_over_v6node": ratio,
        "paired_median_difference_online_s": paired_diff,
        "paired_median_ratio_online": paired_ratio,
    }
    out = report.parent
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        f"`make bench-e2e`, {result['date']}, {result['machine']}, {rounds} rounds interleaved "
        f"(medians); load average {' '.join(load_before)} before, {' '.join(load_after)} after:", "",
        "| command | start to online on the server | the command's own wall time | its peak RSS |",
        "|---|---|---|---|",
    ]
    for name, m in table.items():
        lines.append(f"| `{name}` | {m['online_s']:.2f} s | {m['wall_s']:.2f} s | {m['rss_mib']:.1f} MiB |")
    lines += ["", f"Start to online, `v6 node start` / `v6node start`: {ratio:.2f}x (ratio of the "
              f"medians); paired by round: {paired_ratio:.2f}x, {paired_diff:+.2f} s (medians)."]
    (out / "bench.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines), flush=True)
    report.write_text(json.dumps({"scenarios": [
        {"name": "bench", "title": "start to online, v6node and v6, interleaved", "passed": True,
         "seconds": round(time.monotonic() - started, 2),
         "seconds_to_online": {n: m["online_s"] for n, m in table.items()}}]}, indent=2))
