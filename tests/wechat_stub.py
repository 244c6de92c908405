"""A stand-in for WeChat's customer-service API on 127.0.0.1: the token endpoint and message send."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class CustomerServiceStub:
    """Records token requests and sent messages. `fail_next` lists what the next calls to message
    send get before a success: an HTTP status (int) or an errcode (("errcode", N))."""

    def __init__(self) -> None:
        self.tokens_issued: list[dict[str, str]] = []
        self.sent: list[dict] = []
        self.fail_next: list = []
        self.got_message = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _json(self, status: int, data: dict) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path != "/cgi-bin/token":
                    return self._json(404, {"errcode": 404})
                stub.tokens_issued.append(query)
                self._json(200, {"access_token": f"TOKEN{len(stub.tokens_issued)}", "expires_in": 7200})

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if url.path != "/cgi-bin/message/custom/send":
                    return self._json(404, {"errcode": 404})
                if stub.fail_next:
                    failure = stub.fail_next.pop(0)
                    if isinstance(failure, int):
                        return self._json(failure, {"errcode": -1})
                    return self._json(200, {"errcode": failure[1], "errmsg": "stub"})
                expected = f"TOKEN{len(stub.tokens_issued)}"
                if query.get("access_token") != expected:
                    return self._json(200, {"errcode": 40001, "errmsg": "invalid credential"})
                stub.sent.append({"raw": raw, **json.loads(raw)})
                stub.got_message.set()
                self._json(200, {"errcode": 0, "errmsg": "ok"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> CustomerServiceStub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
