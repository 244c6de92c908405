"""The web chat's real server on 127.0.0.1 for tests: uvicorn in a thread, on a free port."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def write_web_config(folder: Path, **web: Any) -> Path:
    """A config.yaml in FOLDER with its own database; WEB overrides keys of the `web` section."""
    data = {
        "storage": {"path": str(folder / "web.db")},
        "knowledge": {"path": str(ROOT / "knowledge" / "faq"), "lexicon": str(ROOT / "knowledge" / "lexicon")},
        "limits": {"burst": 5, "per_minute": 20},
        "web": {"address_per_minute": 0, **web},
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


class LiveServer:
    """`shebao serve`'s server for CFG, started in a thread; `url` once running. A context manager."""

    def __init__(self, cfg: Any, services: Any):
        from shebao.web.serve import server

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = server(cfg, services, "127.0.0.1", self.port)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def web(self) -> Any:
        """The routes' shared state (the conversation core, the limiter)."""
        return self.server.config.app.app.state.web  # SecurityHeaders around Starlette

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()
