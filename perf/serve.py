"""What serving a system over HTTP costs, against running it in the same process.

The system: 3 samples -> fuse, on the fake provider with 100 ms per call (two rounds of calls:
about 200 ms a query), cache off, the same runtime limits on both sides.

(a) Concurrency 1: the server's own overhead per request, p50 of (HTTP request time - in-process
    ``system.arun`` time), measured alternately. Goal <= 5 ms.
(b) 64 concurrent clients: requests per second and p50 latency through the server, divided by the
    p50 latency of 64 concurrent in-process ``system.arun`` calls. Printed last. Goal <= 1.2.

The server is a real ``archon serve`` process on loopback; the clients are httpx (async).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["ARCHON_OFFLINE"] = "1"

SYSTEM = """\
name: served
runtime: {max_concurrency: 256, per_model_concurrency: 256}
models: {m: {model: fake/perf, extra: {fake_latency: 0.1}}}
nodes:
  - {id: samples, type: generate, models: [m], samples: 3}
  - {id: answer, type: fuse, models: [m]}
"""
SEQUENTIAL = 40
CONCURRENT = 64
ROUNDS = 3


def start(path: Path, port: int, home: Path) -> subprocess.Popen[bytes]:
    import httpx

    process = subprocess.Popen([sys.executable, "-m", "archon.cli.main", "serve", str(path), "--port", str(port),
                                "--no-cache"], env={**os.environ, "ARCHON_HOME": str(home)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def body(i: int) -> bytes:
    return json.dumps({"model": "served", "messages": [{"role": "user", "content": f"Question {i}?"}]}).encode()


async def main_async(base: str) -> None:
    import httpx

    import archon

    system = archon.System.from_text(SYSTEM, cache=False)
    await system.arun("warm up")
    limits = httpx.Limits(max_connections=CONCURRENT * 2, max_keepalive_connections=CONCURRENT * 2)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        await http.post("/v1/chat/completions", content=body(-1))

        async def over_http(i: int) -> float:
            started = time.perf_counter()
            response = await http.post("/v1/chat/completions", content=body(i))
            assert response.status_code == 200, response.text
            return time.perf_counter() - started

        async def in_process(i: int) -> float:
            started = time.perf_counter()
            await system.arun(f"Question {i}?")
            return time.perf_counter() - started

        overheads = []
        for i in range(SEQUENTIAL):  # alternating, so both see the same machine
            served = await over_http(i)
            local = await in_process(i)
            overheads.append(served - local)
        overhead_ms = statistics.median(overheads) * 1000
        print(f"(a) concurrency 1: server overhead per request, p50 over {SEQUENTIAL}: {overhead_ms:.2f} ms "
              "(goal <= 5)")

        ratios = []
        for round_ in range(ROUNDS):
            started = time.perf_counter()
            served_lat = await asyncio.gather(*(over_http(round_ * 1000 + i) for i in range(CONCURRENT)))
            wall = time.perf_counter() - started
            local_lat = await asyncio.gather(*(in_process(round_ * 1000 + i) for i in range(CONCURRENT)))
            ratio = statistics.median(served_lat) / statistics.median(local_lat)
            ratios.append(ratio)
            p50 = statistics.median(served_lat) * 1000
            print(f"    round {round_ + 1}: {CONCURRENT / wall:.0f} requests/s, p50 {p50:.0f} ms "
                  f"served vs {statistics.median(local_lat) * 1000:.0f} ms in process ({ratio:.3f})")
    print(f"(b) {CONCURRENT} concurrent clients: p50 latency served / in process (median of {ROUNDS} rounds):")
    print(f"{statistics.median(ratios):.3f}")


def main() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "served.yaml"
        path.write_text(SYSTEM)
        process = start(path, port, Path(tmp) / "home")
        try:
            asyncio.run(main_async(f"http://127.0.0.1:{port}"))
        finally:
            process.terminate()
            process.wait(30)


if __name__ == "__main__":
    main()
