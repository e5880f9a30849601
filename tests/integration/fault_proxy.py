#!/usr/bin/env python3
"""A fault-injecting proxy between libv6node and the real Docker engine.

    fault_proxy.py [--hits FILE] LISTEN_SOCKET ENGINE_SOCKET [RULE ...]

Listens on the unix socket LISTEN_SOCKET, forwards each HTTP request to the
engine at ENGINE_SOCKET, and applies the first RULE whose method and path
pattern match the request. Prints "READY" on stdout once it listens; serves
until SIGTERM/SIGINT. Every connection carries one request (the proxy sends
"Connection: close" upstream), so libcurl simply reconnects.

RULE is  METHOD PATH_REGEX FAULT[:COUNT]  in one argument, e.g.
    "POST ^/v[0-9.]+/containers/create FAULT:1"
METHOD may be *. COUNT limits the rule to its first COUNT matches (default:
every match), so clean-up requests after a fault go through. FAULT is one of:

    delay=MS   wait MS milliseconds, then forward normally
    stall      read the request, then never answer (the connection stays open)
    close      close the connection as soon as the request is read
    cut        forward; send the first half of the engine's answer, then close
               (for a stream: what arrived in its first second)
    500        answer 500 {"message": "injected fault"} without asking the engine
    garbage    answer bytes that are not HTTP, then close

With --hits FILE, each fault applied appends a line "RULE_INDEX FAULT METHOD PATH"
to FILE (flushed at once), so a test can check that its fault really fired.

Stdlib only; 127.0.0.1 and unix sockets only. Request lines and the faults
applied go to stderr when V6N_PROXY_VERBOSE=1.
"""

import asyncio
import os
import re
import signal
import sys

VERBOSE = os.environ.get("V6N_PROXY_VERBOSE") == "1"


class Rule:
    def __init__(self, text):
        parts = text.split(None, 2)
        if len(parts) != 3:
            raise SystemExit(f"fault_proxy: bad rule {text!r}: want 'METHOD PATH_REGEX FAULT[:COUNT]'")
        self.method, pattern, fault = parts
        self.path = re.compile(pattern)
        self.fault, _, count = fault.partition(":")
        self.left = int(count) if count else -1
        if not (self.fault in ("stall", "close", "cut", "500", "garbage") or self.fault.startswith("delay=")):
            raise SystemExit(f"fault_proxy: unknown fault {self.fault!r}")

    def take(self, method, path):
        if self.left == 0 or (self.method != "*" and self.method != method) or not self.path.search(path):
            return None
        if self.left > 0:
            self.left -= 1
        return self.fault


def log(*args):
    if VERBOSE:
        print("fault_proxy:", *args, file=sys.stderr, flush=True)


async def read_request(reader):
    """The raw request (head + body) and its method and path, or None at EOF."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    length = 0
    kept = [lines[0]]
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        if name.lower() == "connection":
            continue
        kept.append(line)
    kept.append("Connection: close")
    body = await reader.readexactly(length) if length else b""
    return method, path, ("\r\n".join(kept) + "\r\n\r\n").encode("latin-1") + body


async def pump(src, dst):
    try:
        while True:
            data = await src.read(65536)
            if not data:
                break
            dst.write(data)
            await dst.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass


HITS = None


def record_hit(index, fault, method, path):
    if HITS:
        with open(HITS, "a") as f:
            f.write(f"{index} {fault} {method} {path}\n")


async def handle(reader, writer, engine, rules):
    upstream = None
    try:
        try:
            method, path, raw = await read_request(reader)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            return
        fault = None
        for index, rule in enumerate(rules):
            fault = rule.take(method, path)
            if fault:
                record_hit(index, fault, method, path)
                break
        log(method, path, "->", fault or "pass")
        if fault == "stall":
            await asyncio.sleep(3600)
            return
        if fault == "close":
            return
        if fault == "500":
            body = b'{"message":"injected fault"}\n'
            writer.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
            await writer.drain()
            return
        if fault == "garbage":
            writer.write(b"\x00\x01 this is not HTTP \xff\xfe\r\n\r\n{{{")
            await writer.drain()
            return
        if fault and fault.startswith("delay="):
            await asyncio.sleep(int(fault[6:]) / 1000)
        up_reader, upstream = await asyncio.open_unix_connection(engine)
        upstream.write(raw)
        await upstream.drain()
        if fault == "cut":
            answer = b""
            try:
                while True:
                    chunk = await asyncio.wait_for(up_reader.read(65536), timeout=1.0)
                    if not chunk:
                        break
                    answer += chunk
            except asyncio.TimeoutError:
                pass
            writer.write(answer[: max(1, len(answer) // 2)])
            await writer.drain()
            return
        await pump(up_reader, writer)
    finally:
        for w in (writer, upstream):
            if w is not None:
                try:
                    w.close()
                except Exception:
                    pass


async def main():
    global HITS
    args = sys.argv[1:]
    if args[:1] == ["--hits"]:
        HITS, args = args[1], args[2:]
    if len(args) < 2:
        raise SystemExit(__doc__)
    listen, engine = args[0], args[1]
    rules = [Rule(r) for r in args[2:]]
    if os.path.exists(listen):
        os.unlink(listen)
    server = await asyncio.start_unix_server(lambda r, w: handle(r, w, engine, rules), path=listen)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("READY", flush=True)
    async with server:
        await stop.wait()
    if os.path.exists(listen):
        os.unlink(listen)


if __name__ == "__main__":
    asyncio.run(main())
