"""What the staff tools share: their texts, dates given on the command line, the database opened read-only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from textnorm.texts import Texts

if TYPE_CHECKING:
    from shebao.config import Config

CHINA = timezone(timedelta(hours=8))  # dates staff type and see are China days


class StaffError(Exception):
    """Something staff can fix (a date, a missing database); the message says what."""


TEXTS = Texts("shebao.staff", strip=False)
text = TEXTS.text  # text("export.header", ...): the staff-facing sentences of shebao/staff/texts.yaml


def parse_since(value: str | None, default_days: int | None = None) -> datetime:
    """--since YYYY-MM-DD as the start of that China day; without it DEFAULT_DAYS ago (or the beginning)."""
    if value is None:
        if default_days is None:
            return datetime(2000, 1, 1, tzinfo=UTC)
        today = datetime.now(CHINA).date()
        return datetime.combine(today - timedelta(days=default_days - 1), datetime.min.time(), CHINA)
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise StaffError(text("errors.since", value=value)) from None
    return datetime.combine(day, datetime.min.time(), CHINA)


def china_day(when: datetime) -> str:
    return when.astimezone(CHINA).date().isoformat()


def open_storage(source: Config | Path):
    """The store, read-only: reports never create, migrate or change it. SOURCE is the configuration
    (storage.url or storage.path) or a SQLite file."""
    from shebao.privacy import Hasher
    from shebao.store import Storage

    # Reading needs no user hashes: a throwaway key keeps a missing key file from being created.
    hasher = Hasher(b"staff-tools-read-only")
    url = getattr(source, "storage_url", None)
    if url:
        return Storage.from_config(source, read_only=True, hasher=hasher)
    path = Path(getattr(source, "storage_path", source))
    if not path.is_file():
        raise StaffError(text("errors.no_database", path=path))
    return Storage(path, read_only=True, hasher=hasher)
