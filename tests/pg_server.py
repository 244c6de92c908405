"""A real, throwaway PostgreSQL server for tests and benchmarks (Debian's postgresql package).

    with PostgresServer() as pg:            # initdb in a temp dir, pg_ctl start on a free 127.0.0.1 port
        url = pg.new_database()             # postgresql://shebao:PASSWORD@127.0.0.1:PORT/test_1

initdb refuses to run as root, so as root the server runs as the `postgres` user (runuser),
in a directory that user owns. Missing binaries raise PostgresMissing with what to install.
"""

from __future__ import annotations

import glob
import itertools
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "shebao"


class PostgresMissing(RuntimeError):
    """PostgreSQL's server programs are not installed."""


def find_bindir() -> Path:
    """The folder holding initdb and pg_ctl: $PG_BINDIR, else the newest /usr/lib/postgresql/N/bin."""
    candidates = [os.environ["PG_BINDIR"]] if os.environ.get("PG_BINDIR") else sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for folder in candidates:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    raise PostgresMissing(
        "PostgreSQL's server programs (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin or on PATH: "
        "install them with `apt-get install postgresql` (bash tools/test.sh does), or set PG_BINDIR")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """initdb + pg_ctl start on 127.0.0.1, password login; stop() removes everything."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.password = secrets.token_hex(8)
        self.port = free_port()
        self._names = itertools.count(1)
        self._as_root = os.geteuid() == 0
        self.folder: Path | None = None

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = list(args)
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd="/")
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        return done

    def start(self) -> PostgresServer:
        self.folder = Path(tempfile.mkdtemp(prefix="shebao-pg-"))
        data, pwfile, log = self.folder / "data", self.folder / "pw", self.folder / "server.log"
        pwfile.write_text(self.password + "\n", encoding="ascii")
        if self._as_root:
            shutil.chown(self.folder, "postgres")
            shutil.chown(pwfile, "postgres")
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}",
                  "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync")
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60",
                  "start")
        return self

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        name = f"test_{next(self._names)}"
        env = {**os.environ, "PGPASSWORD": self.password}
        command = [str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
        if done.returncode != 0:
            raise RuntimeError(f"createdb {name} failed: {done.stderr}")
        return self.url(name)

    def stop(self) -> None:
        if self.folder is None:
            return
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
