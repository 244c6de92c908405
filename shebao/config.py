"""Configuration: config.yaml merged over built-in defaults, paths resolved against the file."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import time as clock_time
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml


class ConfigError(Exception):
    """The configuration file cannot be used."""


DEFAULTS: dict[str, Any] = {
    "telegram": {
        "token_env": "TELEGRAM_BOT_TOKEN",
        "base_url": "https://api.telegram.org/bot",
        "webhook_url": None,
        "webhook_listen": "0.0.0.0",
        "webhook_port": 8443,
        "max_messages_per_second": 30,
        "max_group_messages_per_minute": 20,
        "network_retries": 3,
        "retry_backoff": 0.5,
        "retry_deadline": 60,  # seconds a message may wait out 429 retry_after answers before it is given up
        "staff_chat_id": None,  # hand-offs go to this chat (a staff group); None: to every admin privately
    },
    # url: postgresql://USER:PASSWORD@HOST:PORT/DB instead of the SQLite file at path;
    # busy_timeout: seconds a write waits for a lock; pool_size: PostgreSQL connections per process
    # (a few suffice: the bench measured 4 faster than 10, whose server processes compete for CPU)
    # reopen_every: seconds between attempts to reopen a database that failed (missing, read-only)
    "storage": {"path": "data/shebao.db", "url": None, "busy_timeout": 5, "pool_size": 4, "reopen_every": 30},
    "knowledge": {"path": None, "lexicon": None, "stale_after_days": 730, "published_ids": None},
    # None: the thresholds chosen when the confidence model was fitted (knowledge/confidence.json)
    "matcher": {"answer_threshold": None, "suggest_threshold": None},
    "limits": {"burst": 5, "per_minute": 20},
    "web": {
        "enabled": False,  # `shebao run` also serves the web chat
        "host": "127.0.0.1",
        "port": 8080,
        "address_per_minute": 300,  # requests per minute from one address (0: no limit); mobile carriers
                                    # put many phones behind one address, so this is far above one worker's
        "frame_ancestors": "'none'",
        "public_url": None,  # https://… where workers reach the web page: WeChat's shortened answers link here
        "max_concurrent": 4,  # questions answered at once; more wait their turn. Matching is CPU work in
                              # one event loop: more at once only makes every answer slower  # sites allowed to show the page in a frame (CSP syntax)
    },
    # WeChat Official Account (shared/interfaces.md): `/wechat` on `shebao serve` when token_env is set
    "wechat": {
        "token_env": "WECHAT_TOKEN",  # the 令牌 (Token) set under 服务器配置 in the account's console
        "aes_key_env": None,  # the EncodingAESKey variable for 安全模式; plain mode when null
        "app_id": None,  # with app_secret_env: needed only for customer-service messages
        "app_secret_env": "WECHAT_APP_SECRET",  # (answers after 5 s, staff replies within WeChat's 48 hours)
        "api_base": "https://api.weixin.qq.com",  # another server (a stand-in in tests)
    },
    "admins": [],
    # Asking a person (shared/interfaces.md): questions handed to union staff and their replies
    "handoff": {
        "max_open": 3,  # hand-offs one worker may have waiting at once
        # when staff answer, for the worker's "roughly when": weekdays 1 (Monday) to 7, local times
        "office_hours": {"weekdays": [1, 2, 3, 4, 5], "from": "09:00", "to": "17:30"},
        "utc_offset_hours": 8,  # the office's time zone (China)
        "poll_seconds": 5,  # how often a process looks in the store for replies and hand-offs of other processes
    },
}


def packaged_path(package: str, *parts: str) -> Path:
    """Path of a data folder shipped inside an installed package."""
    return Path(str(resources.files(package).joinpath(*parts)))


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in (over or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@dataclass
class Config:
    """The settings every command needs, with paths made absolute."""

    raw: dict[str, Any]
    source: Path | None = None
    faq_path: Path = field(default_factory=lambda: packaged_path("knowledge", "faq"))
    lexicon_path: Path = field(default_factory=lambda: packaged_path("knowledge", "lexicon"))
    storage_path: Path = Path("data/shebao.db")

    def setting(self, section: str, key: str) -> Any:
        """SECTION.KEY as configured, or its default (DEFAULTS, the one place defaults are written)
        when the file leaves it out or sets it to null."""
        value = (self.raw.get(section) or {}).get(key)
        return DEFAULTS.get(section, {}).get(key) if value is None else value

    @property
    def telegram(self) -> dict[str, Any]:
        return self.raw["telegram"]

    @property
    def admins(self) -> set[int]:
        return {int(a) for a in self.raw.get("admins") or []}

    @property
    def storage_url(self) -> str | None:
        """PostgreSQL's URL when configured (checked by load_config), else None: SQLite at storage_path."""
        return self.raw["storage"].get("url") or None

    @property
    def storage_busy_timeout(self) -> float:
        return float(self.raw["storage"].get("busy_timeout", 5))

    @property
    def storage_pool_size(self) -> int:
        return int(self.raw["storage"].get("pool_size", 10))

    @property
    def answer_threshold(self) -> float:
        """Answer at this confidence (0-100) or above: config.yaml's value, else the model's."""
        value = self.setting("matcher", "answer_threshold")
        return float(value) if value is not None else 100 * _model_thresholds()[0]

    @property
    def suggest_threshold(self) -> float:
        """Offer "did you mean" from this confidence: config.yaml's value, else the model's."""
        value = self.setting("matcher", "suggest_threshold")
        return float(value) if value is not None else 100 * _model_thresholds()[1]

    @property
    def stale_after_days(self) -> int:
        return int(self.setting("knowledge", "stale_after_days"))


def _model_thresholds() -> tuple[float, float]:
    from knowledge.confidence import shipped_model

    model = shipped_model()
    return model.answer_threshold, model.suggest_threshold


def _resolve(base: Path, value: str | None, fallback: Path) -> Path:
    if not value:
        return fallback
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = base / path
    if not path.exists():
        raise ConfigError(f"{path}: configured folder does not exist")
    return path


_PG_SCHEMES = ("postgresql", "postgres")


def _check_storage(source: Path | None, storage: Any) -> None:
    where = source or "config"
    if not isinstance(storage, dict):
        raise ConfigError(f"{where}: storage must be a mapping (path, url, busy_timeout, pool_size)")
    url = storage.get("url")
    if url not in (None, "") and not (isinstance(url, str) and urlsplit(url.strip()).scheme in _PG_SCHEMES):
        raise ConfigError(f"{where}: storage.url must be postgresql://USER:PASSWORD@HOST:PORT/DB, or null "
                          f"for SQLite at storage.path; not {url!r}")
    for key, low, high in (("busy_timeout", 0, 600), ("pool_size", 1, 1000), ("reopen_every", 0.1, 3600)):
        value = storage.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise ConfigError(f"{where}: storage.{key} must be a number from {low} to {high}, not {value!r}")


def handoff_hours(cfg: Config) -> tuple[frozenset[int], clock_time, clock_time, timedelta]:
    """(weekdays, from, to, UTC offset) of `handoff.office_hours` and `handoff.utc_offset_hours`;
    ConfigError saying which value is wrong."""
    where = f"{cfg.source or 'config'}: handoff"
    raw = cfg.setting("handoff", "office_hours")
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}.office_hours must be a mapping (weekdays, from, to), not {raw!r}")
    defaults = DEFAULTS["handoff"]["office_hours"]
    values = {k: raw.get(k, defaults[k]) for k in ("weekdays", "from", "to")}
    days = values["weekdays"]
    if not isinstance(days, list) or not days or not all(isinstance(d, int) and 1 <= d <= 7 for d in days):
        raise ConfigError(f"{where}.office_hours.weekdays must be a list of days 1 (Monday) to 7, not {days!r}")
    times = {}
    for key in ("from", "to"):
        text = str(values[key])
        m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text)
        if not m:
            raise ConfigError(f"{where}.office_hours.{key} must be a time HH:MM from 00:00 to 23:59, not {text!r}")
        times[key] = clock_time(int(m.group(1)), int(m.group(2)))
    if times["from"] >= times["to"]:
        raise ConfigError(f"{where}.office_hours: from ({values['from']}) must be before to ({values['to']})")
    offset = cfg.setting("handoff", "utc_offset_hours")
    if isinstance(offset, bool) or not isinstance(offset, int | float) or not -12 <= offset <= 14:
        raise ConfigError(f"{where}.utc_offset_hours must be a number from -12 to 14, not {offset!r}")
    return frozenset(days), times["from"], times["to"], timedelta(hours=offset)


def load_config(path: str | Path | None = None, knowledge: str | Path | None = None) -> Config:
    """Read PATH (or ./config.yaml when present) over the defaults; KNOWLEDGE overrides the FAQ folder."""
    source: Path | None = None
    data: dict[str, Any] = {}
    if path is not None:
        source = Path(path)
        if not source.is_file():
            raise ConfigError(f"{source}: no such config file")
    elif Path("config.yaml").is_file():
        source = Path("config.yaml")
    if source is not None:
        try:
            data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            where = f"{source}:{line + 1}" if line is not None else str(source)
            raise ConfigError(f"{where}: not valid YAML") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{source}:1: the config must be a mapping of sections")
    raw = _merge(DEFAULTS, data)
    base = source.resolve().parent if source else Path.cwd()
    cfg = Config(raw=raw, source=source)
    cfg.faq_path = _resolve(base, raw["knowledge"].get("path"), packaged_path("knowledge", "faq"))
    cfg.lexicon_path = _resolve(base, raw["knowledge"].get("lexicon"), packaged_path("knowledge", "lexicon"))
    _check_storage(source, raw["storage"])
    storage = Path(raw["storage"]["path"]).expanduser()
    cfg.storage_path = storage if storage.is_absolute() else base / storage
    if knowledge is not None:
        kpath = Path(knowledge)
        if not kpath.is_dir():
            raise ConfigError(f"{kpath}: no such FAQ folder")
        cfg.faq_path = kpath.resolve()
    handoff_hours(cfg)  # a mistyped office hour is reported here, not when the bot starts
    return cfg
