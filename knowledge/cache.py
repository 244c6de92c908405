"""Files that are slow to build and the same at every start (jieba's dictionary, a built index), kept in
the user's cache folder: `$SHEBAO_CACHE_DIR`, else platformdirs' user cache folder (`$XDG_CACHE_HOME/shebao`
or `~/.cache/shebao` on Linux); `SHEBAO_CACHE_DIR=off` keeps none. Never inside the package.

A file is named by a hash of everything it was built from, so a changed input is a different file, not
a stale one. Each is written atomically (a temporary file renamed over it) with a digest of its bytes in
front, and read back only whole: a missing, truncated or unreadable file counts as absent and is built
again. A folder that cannot be written only costs the time of building.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

ENV = "SHEBAO_CACHE_DIR"
# files the package is built with instead (knowledge/prebuild.py): read like the cache's, never written
PACKAGED = Path(__file__).with_name("prebuilt")
OFF = "off"
_DIGEST = 16  # bytes of blake2b in front of every file


def folder() -> Path | None:
    """Where cached files live, or None when caching is off."""
    chosen = os.environ.get(ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in (OFF, "") else Path(chosen).expanduser()
    try:
        import platformdirs
    except ImportError:  # an environment installed before platformdirs was a dependency: its Linux rule
        return Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "shebao"
    return Path(platformdirs.user_cache_dir("shebao", appauthor=False))


def key(*parts: object) -> str:
    """A short hex name for everything a file was built from (bytes as they are, anything else as str)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def read(name: str, where: Path | None = None) -> bytes | None:
    """The bytes stored under NAME (in WHERE, default the cache folder), or None when there are none whole."""
    where = where or folder()
    if where is None:
        return None
    try:
        data = (where / name).read_bytes()
    except OSError:
        return None
    digest, payload = data[:_DIGEST], data[_DIGEST:]
    if len(digest) < _DIGEST or hashlib.blake2b(payload, digest_size=_DIGEST).digest() != digest:
        log.info("cache file %s is damaged: building it again", where / name)
        return None
    return payload


def write(name: str, payload: bytes, where: Path | None = None) -> Path | None:
    """Store PAYLOAD under NAME (in WHERE, default the cache folder) atomically; the path written, or None
    (caching off, or not writable)."""
    where = where or folder()
    if where is None:
        return None
    try:
        where.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(hashlib.blake2b(payload, digest_size=_DIGEST).digest())
                out.write(payload)
            os.replace(tmp, where / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.info("cannot write the cache file %s (%s): it is built at every start", where / name, exc)
        return None
    return where / name
