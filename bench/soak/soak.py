#!/usr/bin/env python3
"""Soak: one long-lived Python process on the v6node binding, shaped like the
Node Manager (examples/node-manager), runs N cycles of

    start -> status -> logs -> list -> stop

on one node (the stand-in image, a v6ntest- name, a temporary HOME). Like the
manager, each step is a "request" of its own: it opens an Engine
(Engine.from_env()) and a Node by name, and closes both when it is done; only
the start is given the start options, every later step relies on the node's
start record.

It measures the process's resident memory (VmRSS in /proc/self/status) and
its open file descriptors (/proc/self/fd) after cycle WARMUP (10) and after the
last cycle, and fails if RSS grew by more than --rss-limit-mib (2 MiB) or the
fd count grew at all. At the end it checks that no container or volume of the
node is left on the engine (by exact name, with the docker CLI). It prints the
figures and exits 0 (pass) or 1 (fail); 2 for a bad command line.

    bench/soak/run.sh [--cycles 300]        # builds the binding, then runs this
    PYTHONPATH=<a built v6node package> bench/soak/soak.py --cycles 300

Not part of `make test`: `make soak` runs it.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

STANDIN = "127.0.0.1:5999/v6node-test/node:standin"
VOLUME_SUFFIXES = ("vol", "vpn-vol", "ssh-vol", "squid-vol")
XDG_VARS = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_DIRS",
            "XDG_DATA_DIRS")


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def open_fds() -> int:
    # the listing's own descriptor is in it, every time alike
    return len(os.listdir("/proc/self/fd"))


def measure() -> Tuple[int, int]:
    gc.collect()
    return rss_kib(), open_fds()


def docker(*args: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120)


def leftovers(container: str) -> List[str]:
    """The node's container and volumes still on the engine (exact names)."""
    left = []
    if docker("container", "inspect", container).returncode == 0:
        left.append(f"container {container}")
    for suffix in VOLUME_SUFFIXES:
        volume = f"{container}-{suffix}"
        if docker("volume", "inspect", volume).returncode == 0:
            left.append(f"volume {volume}")
    return left


def remove_objects(container: str) -> None:
    """Clean up after a failed run, by exact name only."""
    docker("rm", "-f", container)
    for _ in range(50):
        if docker("container", "inspect", container).returncode != 0:
            break
        time.sleep(0.2)
    for suffix in VOLUME_SUFFIXES:
        docker("volume", "rm", f"{container}-{suffix}")


class Soak:
    def __init__(self, v6node: Any, name: str, image: str, ready_timeout: float) -> None:
        self.v6node = v6node
        self.name = name
        self.image = image
        self.ready_timeout = ready_timeout
        self.container = f"vantage6-{name}-user"

    # each step: a "request" with its own engine connection and node handle

    def start(self) -> None:
        v6 = self.v6node
        with v6.Engine.from_env() as engine, v6.Node(self.name, image=self.image,
                                                     pull="never") as node:
            result = node.start(engine)
        if result.container != self.container:
            raise AssertionError(f"started {result.container}, want {self.container}")

    def status(self) -> None:
        v6 = self.v6node
        with v6.Engine.from_env() as engine, v6.Node(self.name) as node:
            st = node.status(engine)
        if st.state != "running" or st.drift:
            raise AssertionError(f"status: {st.state}, drift {st.drift}")

    def logs(self) -> None:
        """The node page's logs, until the stand-in has said its contract
        line (only then does it handle SIGTERM at once)."""
        v6 = self.v6node
        deadline = time.monotonic() + self.ready_timeout
        while True:
            with v6.Engine.from_env() as engine, v6.Node(self.name) as node:
                text = node.logs(engine, tail=50)
            if "contract holds" in text:
                return
            if "contract broken" in text or time.monotonic() > deadline:
                raise AssertionError(f"logs: {text[-500:]!r}")
            time.sleep(0.05)

    def list(self) -> None:
        v6 = self.v6node
        with v6.Engine.from_env() as engine:
            entries = engine.list()
        mine = [e for e in entries if e.name == self.name and e.scope == "user"]
        if len(mine) != 1 or mine[0].state != "running":
            raise AssertionError(f"list: {mine}")

    def stop(self) -> None:
        v6 = self.v6node
        with v6.Engine.from_env() as engine, v6.Node(self.name) as node:
            warnings = node.stop(engine)
        if warnings:
            raise AssertionError(f"stop warnings: {warnings}")

    def cycle(self) -> None:
        self.start()
        self.status()
        self.logs()
        self.list()
        self.stop()


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cycles", type=int, default=300, help="cycles to run (default 300)")
    ap.add_argument("--warmup", type=int, default=10,
                    help="the first measurement is after this cycle (default 10)")
    ap.add_argument("--rss-limit-mib", type=float, default=2.0,
                    help="allowed RSS growth after the warm-up, MiB (default 2)")
    ap.add_argument("--image", default=STANDIN, help=f"node image (default {STANDIN})")
    ap.add_argument("--ready-timeout", type=float, default=20.0,
                    help="seconds for the node to say its contract line (default 20)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args(argv)
    if args.cycles <= args.warmup or args.warmup < 1:
        ap.error("--cycles must be larger than --warmup, and --warmup at least 1")
    if shutil.which("docker") is None:
        ap.error("the docker CLI is needed (for the leftover check)")

    # A HOME of its own: the node's config and folders never touch the user's.
    home = Path(tempfile.mkdtemp(prefix="v6ntest-soak-"))
    os.environ["HOME"] = str(home)
    for var in XDG_VARS:
        os.environ.pop(var, None)
    import v6node  # after HOME is set; the library reads it at each call

    name = f"v6ntest-soak-{os.getpid()}-{secrets.token_hex(2)}"
    db = home / "cohort.csv"
    db.write_text("id,age\n1,40\n")
    v6node.new_config(name, api_key="k-v6ntest-soak", server_url="https://v6.example.org",
                      databases=[v6node.Database("default", str(db), "csv")], log_level="INFO")
    soak = Soak(v6node, name, args.image, args.ready_timeout)

    print(f"soak: {args.cycles} cycles of start -> status -> logs -> list -> stop on {name} "
          f"({args.image}); libv6node {v6node.library_version()}, Python "
          f"{platform.python_version()}", file=sys.stderr, flush=True)
    durations: List[float] = []
    warm: Optional[Tuple[int, int]] = None
    first = measure()
    failure = None
    t_all = time.monotonic()
    try:
        for i in range(1, args.cycles + 1):
            t0 = time.monotonic()
            soak.cycle()
            durations.append(time.monotonic() - t0)
            if i == args.warmup:
                warm = measure()
            if i % 50 == 0 or i == args.cycles:
                rss, fds = measure()
                print(f"soak: cycle {i}: RSS {rss} KiB, {fds} fds, "
                      f"{sum(durations[-50:]) / len(durations[-50:]):.3f} s/cycle",
                      file=sys.stderr, flush=True)
    except BaseException as e:  # noqa: BLE001 - reported, cleaned up, re-raised below
        failure = e
    total = time.monotonic() - t_all
    last = measure()
    left = leftovers(soak.container)
    if failure is not None or left:
        remove_objects(soak.container)
    shutil.rmtree(home, ignore_errors=True)

    figures: Dict[str, object] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cycles": len(durations),
        "cycles_asked": args.cycles,
        "warmup": args.warmup,
        "rss_kib_start": first[0],
        "rss_kib_warm": warm[0] if warm else None,
        "rss_kib_end": last[0],
        "fds_start": first[1],
        "fds_warm": warm[1] if warm else None,
        "fds_end": last[1],
        "seconds_per_cycle_mean": round(sum(durations) / len(durations), 4) if durations else None,
        "seconds_per_cycle_median": round(sorted(durations)[len(durations) // 2], 4)
        if durations else None,
        "seconds_per_cycle_max": round(max(durations), 4) if durations else None,
        "seconds_total": round(total, 1),
        "leftovers": left,
        "library": v6node.library_version(),
        "python": platform.python_version(),
    }
    problems = []
    if failure is not None:
        problems.append(f"cycle {len(durations) + 1} failed: {type(failure).__name__}: {failure}")
    if warm is not None and failure is None:
        growth = last[0] - warm[0]
        figures["rss_growth_kib"] = growth
        if growth > args.rss_limit_mib * 1024:
            problems.append(f"RSS grew by {growth} KiB after cycle {args.warmup} "
                            f"(limit {args.rss_limit_mib} MiB)")
        if last[1] > warm[1]:
            problems.append(f"open fds grew from {warm[1]} to {last[1]}")
    if left:
        problems.append("left on the engine: " + ", ".join(left))
    figures["result"] = "FAIL" if problems else "PASS"
    figures["problems"] = problems

    w = warm or (None, None)
    print(f"""
soak figures
  cycles                    {figures['cycles']} (of {args.cycles})
  RSS after cycle {args.warmup:<9} {w[0]} KiB
  RSS after cycle {len(durations):<9} {last[0]} KiB   (growth {figures.get('rss_growth_kib')} KiB, limit {int(args.rss_limit_mib * 1024)} KiB)
  open fds after cycle {args.warmup:<4} {w[1]}
  open fds after cycle {len(durations):<4} {last[1]}
  seconds per cycle         mean {figures['seconds_per_cycle_mean']}, median {figures['seconds_per_cycle_median']}, max {figures['seconds_per_cycle_max']} ({figures['seconds_total']} s in all)
  left on the engine        {', '.join(left) or 'nothing'}
  result                    {figures['result']}""")
    for p in problems:
        print(f"soak: FAIL: {p}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    if isinstance(failure, KeyboardInterrupt):
        raise failure
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
