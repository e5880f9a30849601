"""The docker-py side of the libv6node engine benchmarks (docker 7.1.0).

    dockerpy_bench.py worker       a persistent worker for the C drivers: one JSON
                                   request per stdin line, one JSON answer per line
    dockerpy_bench.py start FILE   `v6 node start` as its own process: the docker-py
                                   calls it makes, with the arguments in FILE (JSON)

What `v6 node start` (vantage6 4.14, cli/node/start.py) calls, in order:
    check_docker_running():  docker.from_env(), ping()
    docker.from_env()
    containers.list(filters={"label": "vantage6-type=node"})   (+ an inspect per hit)
    os.makedirs(data dir, log dir)
    images.pull(image)         -- here images.get(image): pull policy "missing", so
                                  that no registry is ever contacted (the stand-in
                                  image is present, as it is for libv6node and the floor)
    volumes.create(name) x 4
    remove_container_if_exists: containers.list(all=True, filters={"name": ...})
    containers.run(image, command=..., volumes=..., detach=True, labels=...,
                   environment=..., name=..., auto_remove=..., tty=True,
                   extra_hosts=...)    (create, inspect, start)

The arguments come from libv6node's spec of the same node (the C driver sends
them), and the worker checks once that docker-py's create body is the one
libv6node sends. Requests are counted with a response hook on the APIClient
session. Times are taken in-process (perf_counter_ns, thread_time_ns).
"""

import json
import os
import shlex
import sys
import time

import docker
from docker.errors import ImageNotFound


class Counter:
    """A requests response hook counting engine requests; keeps the create body."""

    def __init__(self):
        self.n = 0
        self.create_body = None

    def __call__(self, response, *args, **kwargs):
        self.n += 1
        req = response.request
        if req.method == "POST" and "/containers/create" in req.url:
            body = req.body
            self.create_body = body.decode() if isinstance(body, bytes) else body
        return response


def client_with_counter(counter):
    client = docker.from_env()
    client.api.hooks["response"].append(counter)
    return client


def run_kwargs(a):
    env = {}
    for entry in a["env"]:
        key, sep, value = entry.partition("=")
        env[key] = value if sep else None
    hosts = {}
    for entry in a["extra_hosts"]:
        host, _, ip = entry.partition(":")
        hosts[host] = ip
    return dict(
        command=shlex.join(a["cmd"]),
        volumes=a["binds"],
        detach=True,
        labels=a["labels"],
        environment=env,
        name=a["name"],
        auto_remove=a["auto_remove"],
        tty=True,
        extra_hosts=hosts,
    )


def v6_node_start(client, a, ping=True):
    """The calls of `v6 node start` after docker.from_env(); returns the id."""
    if ping:
        client.ping()
    name = a["name"]
    running = client.containers.list(filters={"label": "vantage6-type=node"})
    if any(c.name == name for c in running):
        raise RuntimeError(f"node container {name} is already running")
    for d in a["dirs"]:
        os.makedirs(d, exist_ok=True)
    try:
        client.images.get(a["image"])
    except ImageNotFound:
        raise RuntimeError(f"image {a['image']} is not present (the benchmark never pulls)")
    for v in a["volumes"]:
        client.volumes.create(v)
    old = client.containers.list(all=True, filters={"name": name})
    if old:
        old[0].remove(force=True)
    container = client.containers.run(a["image"], **run_kwargs(a))
    return container.id


def same_body(ours, theirs):
    """The same JSON, keys in the same order (the bytes differ only in spacing)."""
    if theirs is None:
        return False
    return json.loads(ours, object_pairs_hook=list) == json.loads(theirs, object_pairs_hook=list)


def worker():
    counter = Counter()
    client = client_with_counter(counter)
    out = sys.stdout
    for line in sys.stdin:
        req = json.loads(line)
        op = req.get("op")
        try:
            if op == "hello":
                answer = {"docker": docker.__version__, "python": sys.version.split()[0]}
            elif op == "quit":
                break
            elif op == "start":
                a = req["args"]
                before = counter.n
                counter.create_body = None
                t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
                cid = v6_node_start(client, a)
                t1, c1 = time.perf_counter_ns(), time.thread_time_ns()
                answer = {
                    "ns": t1 - t0,
                    "cpu_ns": c1 - c0,
                    "requests": counter.n - before,
                    "id": cid,
                    "same_body": same_body(a["create_body"], counter.create_body),
                }
            elif op == "status":
                names = req["names"]
                before = counter.n
                t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
                running = 0
                for name in names:  # what the seed's Node Manager did: one get per node
                    if client.containers.get(name).status == "running":
                        running += 1
                t1, c1 = time.perf_counter_ns(), time.thread_time_ns()
                answer = {
                    "ns": t1 - t0,
                    "cpu_ns": c1 - c0,
                    "requests": counter.n - before,
                    "running": running,
                }
            else:
                answer = {"error": f"unknown op {op!r}"}
        except Exception as e:  # the C driver reports it and stops
            answer = {"error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()


def start_process(path):
    with open(path) as f:
        a = json.load(f)
    counter = Counter()
    # check_docker_running(): a client of its own, and a ping
    check = client_with_counter(counter)
    check.ping()
    client = client_with_counter(counter)
    cid = v6_node_start(client, a, ping=False)
    print(cid)
    print(f"requests {counter.n}")


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "worker":
        worker()
    elif len(sys.argv) == 3 and sys.argv[1] == "start":
        start_process(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
