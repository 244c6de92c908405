"""Answers per second through `POST /api/ask` of the real `shebao serve`, with storage on.

    python bench/web.py [--questions 3000] [--concurrency 16] [--timeout 120] [--max-concurrent 4]

Starts `shebao serve` as its own process on 127.0.0.1 (a free port, a temporary SQLite
database, the packaged FAQ), then sends QUESTIONS questions from many sessions (four each,
within the per-session flood limit, which stays on) with CONCURRENCY requests in flight, over
keep-alive connections. The per-address limit is lifted for the run, since every request comes
from 127.0.0.1. Latency is from sending a request to having read its answer. Loopback only;
bounded in count and time. At the end every answered question must be in the database.
The server's CPU time per request is printed too: on a shared machine it says what one free
core would sustain, whatever else runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.loader import load_faq_strict  # noqa: E402

PER_SESSION = 4  # below the flood limit's burst of 5
EXTRA_QUESTIONS = [
    "工资5000，每月社保扣多少钱", "交了20年，60岁退休，能领多少养老金", "我交了10年失业保险能领几个月",
    "你好", "谢谢", "外卖骑手摔伤了谁赔", "公积金怎么提取", "老板不给交社保怎么办", "我想算养老金能领多少",
]


def questions(count: int, seed: int = 4) -> list[str]:
    """COUNT questions: FAQ phrasings workers use, calculator questions, chit-chat, off-topic."""
    entries = load_faq_strict(ROOT / "knowledge" / "faq")
    pool = [p for e in entries for p in e.phrasings] + EXTRA_QUESTIONS * 5
    rng = random.Random(seed)
    return [rng.choice(pool) for _ in range(count)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process PID has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(folder: Path, max_concurrent: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump({
        "storage": {"path": str(folder / "bench.db")},
        "web": {"address_per_minute": 0, "max_concurrent": max_concurrent},
    }), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    log = (folder / "serve.log").open("wb")  # a file, not a pipe: a full pipe nobody reads would stall the server
    proc = subprocess.Popen([sys.executable, "-m", "shebao.cli", "serve", "--config", str(config), "--port", str(port)],
                            cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"shebao serve exited: {(folder / 'serve.log').read_text()[-2000:]}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("shebao serve did not start within 60 s")


async def run(url: str, asked: list[str], concurrency: int, timeout: float) -> tuple[list[float], dict[int, int], float]:
    latencies: list[float] = []
    codes: dict[int, int] = {}
    queue: asyncio.Queue[list[str]] = asyncio.Queue()
    for i in range(0, len(asked), PER_SESSION):
        queue.put_nowait(asked[i : i + PER_SESSION])
    deadline = time.monotonic() + timeout

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty() and time.monotonic() < deadline:
            session = None
            for text in queue.get_nowait():
                t0 = time.perf_counter()
                r = await client.post("/api/ask", json={"text": text, "session": session})
                latencies.append(time.perf_counter() - t0)
                codes[r.status_code] = codes.get(r.status_code, 0) + 1
                if r.status_code == 200:
                    session = r.json()["session"]

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        await client.post("/api/ask", json={"text": "热身", "session": None})  # first answer loads lazily
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, codes, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=120.0, help="stop sending after this many seconds")
    parser.add_argument("--max-concurrent", type=int, default=4, help="the server's web.max_concurrent")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        proc, url = start_server(folder, args.max_concurrent)
        try:
            cpu_before = cpu_seconds(proc.pid)
            latencies, codes, elapsed = asyncio.run(run(url, questions(args.questions), args.concurrency,
                                                        args.timeout))
            cpu = cpu_seconds(proc.pid) - cpu_before
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        with sqlite3.connect(folder / "bench.db") as db:
            stored = db.execute("SELECT COUNT(*) FROM questions WHERE via = 'web'").fetchone()[0]
    ok = codes.get(200, 0)
    print(f"{len(latencies)} requests, {args.concurrency} in flight, web.max_concurrent {args.max_concurrent}: "
          f"{codes}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"answers/s {ok / elapsed:.0f}   p50 {statistics.median(latencies) * 1000:.1f} ms   "
          f"p99 {percentile(latencies, 99) * 1000:.1f} ms   stored {stored - 1} of {ok}")
    # CPU time per answer does not depend on what else the machine runs: its inverse is the rate one
    # free core would sustain
    print(f"server CPU {cpu / max(1, len(latencies)) * 1000:.2f} ms per request "
          f"(one free core: about {len(latencies) / cpu:.0f} answers/s)")
    if stored - 1 != ok:  # the warm-up question is stored too
        print("not every answered question was stored", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
