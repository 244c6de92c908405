"""Running the web app: `shebao serve`, and beside the Telegram bot in `shebao run`."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn
from uvicorn.server import HANDLED_SIGNALS

from knowledge.model import FAQError
from shebao.config import Config, ConfigError
from shebao.conversation import Conversation
from shebao.privacy import install_log_masking
from shebao.services import build_services
from shebao.web.app import create_app

log = logging.getLogger(__name__)


class Server(uvicorn.Server):
    """uvicorn's server, except that after a graceful stop on SIGTERM or Ctrl-C it returns instead of
    raising the signal again: `shebao serve` exits 0, and the bot beside it in `shebao run` stops too."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        original = {sig: signal.signal(sig, self.handle_exit) for sig in HANDLED_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def address(cfg: Config, host: str | None = None, port: int | None = None) -> tuple[str, int]:
    """HOST and PORT, else web.host and web.port; ConfigError when the port is not 0-65535."""
    web = cfg.raw.get("web") or {}
    host = host or str(web.get("host") or "127.0.0.1")
    raw = port if port is not None else web.get("port", 8080)
    where = "--port" if port is not None else f"{cfg.source or 'config'}: web.port"
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 65535:
        raise ConfigError(f"{where}: must be a whole number from 0 to 65535, not {raw!r}")
    return host, raw


def server(cfg: Config, services: Any = None, host: str | None = None, port: int | None = None, *,
           conversation: Conversation | None = None) -> Server:
    """A uvicorn server for the web app (see create_app); await `.serve()` in a running loop, or `.run()`."""
    host, port = address(cfg, host, port)
    config = uvicorn.Config(
        create_app(cfg, services, conversation=conversation), host=host, port=port,
        log_config=None,  # the program's own logging (masked), not uvicorn's
        access_log=False,  # an access log would keep workers' addresses; errors are logged anyway
        server_header=False, proxy_headers=True,  # X-Forwarded-For from nginx on 127.0.0.1 names the worker
        timeout_keep_alive=15,
    )
    return Server(config)


def serve(cfg: Config, host: str | None = None, port: int | None = None) -> int:
    """`shebao serve`: build the FAQ index (its errors are PATH:LINE lines), then serve until stopped."""
    address(cfg, host, port)  # a bad port is reported before the index is built
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    install_log_masking()
    try:
        services = build_services(cfg)
    except FAQError as exc:  # restarting will not mend a broken FAQ: exit 2, which the unit does not restart on
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    srv = server(cfg, services, host, port)
    srv.run()
    if not srv.started:  # uvicorn has logged why (the port is taken, the address is not this machine's)
        print(f"shebao serve: could not listen on {srv.config.host}:{srv.config.port}", file=sys.stderr)
        return 1
    return 0
