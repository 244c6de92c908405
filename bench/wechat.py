"""How long `/wechat` takes for a passive reply (WeChat waits 5 s), plain mode and 安全模式.

    python bench/wechat.py [--messages 200] [--concurrency 4]

Starts `shebao serve` as its own process on 127.0.0.1 (a free port, a temporary SQLite database,
the packaged FAQ, a test token and EncodingAESKey), then sends MESSAGES signed text messages with
the FAQ's questions, each from its own openid, CONCURRENCY at once; once in plain mode, once in
安全模式 (encrypting each message and decrypting each reply on the client side too). Prints the
latency from sending to having read the reply, and the largest reply Content in bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import xmltodict
import yaml
from wechatpy.crypto import WeChatCrypto

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.loader import load_faq_strict  # noqa: E402

TOKEN, AES_KEY, APP_ID = "benchtoken", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxbench0000000000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(safe: bool, questions: list[str], concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        cfg = {"storage": {"path": str(Path(tmp) / "bench.db")}, "web": {"address_per_minute": 0},
               "limits": {"burst": 5, "per_minute": 20},
               "wechat": {"token_env": "BENCH_WECHAT_TOKEN", "aes_key_env": "BENCH_WECHAT_AES" if safe else None,
                          "app_id": APP_ID if safe else None}}
        path = Path(tmp) / "config.yaml"
        path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
        env = {**os.environ, "BENCH_WECHAT_TOKEN": TOKEN, "BENCH_WECHAT_AES": AES_KEY}
        proc = subprocess.Popen([sys.executable, "-m", "shebao.cli", "serve", "--config", str(path),
                                 "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID) if safe else None
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("shebao serve did not start")
                time.sleep(0.2)
            with httpx.Client(base_url=base, timeout=30) as client:
                def one(i: int) -> tuple[float, int]:
                    ts, nonce = str(int(time.time())), str(i)
                    q = {"signature": hashlib.sha1("".join(sorted([TOKEN, ts, nonce])).encode()).hexdigest(),
                         "timestamp": ts, "nonce": nonce}
                    xml = (f"<xml><ToUserName>gh_bench</ToUserName><FromUserName>o_bench_{i}</FromUserName>"
                           f"<CreateTime>{ts}</CreateTime><MsgType>text</MsgType>"
                           f"<Content><![CDATA[{questions[i % len(questions)]}]]></Content><MsgId>{10**12 + i}</MsgId></xml>")
                    started = time.perf_counter()
                    if crypto is not None:
                        sealed = xmltodict.parse(crypto.encrypt_message(xml, nonce, ts))["xml"]
                        xml = f"<xml><ToUserName>gh_bench</ToUserName><Encrypt>{sealed['Encrypt']}</Encrypt></xml>"
                        q.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
                    r = client.post("/wechat", params=q, content=xml)
                    r.raise_for_status()
                    body = r.text
                    if crypto is not None:
                        s = xmltodict.parse(body)["xml"]
                        body = crypto.decrypt_message(body, s["MsgSignature"], s["TimeStamp"], s["Nonce"])
                    content = xmltodict.parse(body)["xml"]["Content"]
                    return time.perf_counter() - started, len(content.encode("utf-8"))

                with ThreadPoolExecutor(concurrency) as pool:
                    results = list(pool.map(one, range(len(questions))))
        finally:
            proc.terminate()
            proc.wait(30)
    lat = sorted(r[0] for r in results)
    p50, p99 = statistics.median(lat), lat[int(0.99 * (len(lat) - 1))]
    print(f"{'安全模式' if safe else 'plain'}: {len(lat)} messages, {concurrency} at once: p50 {p50 * 1000:.0f} ms, "
          f"p99 {p99 * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms, largest reply {max(r[1] for r in results)} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    faq = load_faq_strict(ROOT / "knowledge" / "faq")
    questions = [e.question for e in faq]
    questions = (questions * (args.messages // len(questions) + 1))[:args.messages]
    for safe in (False, True):
        _run(safe, questions, args.concurrency)


if __name__ == "__main__":
    main()
