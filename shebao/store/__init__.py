"""The store: every SQL statement of the project, its migrations and the records it hands out.

The bot, the conversation core, the staff tools and every channel use it; SQLite by default,
PostgreSQL when `storage.url` is set (see storage.py).
"""

from shebao.store.storage import Storage, StorageError, fold, migrations

__all__ = ["Storage", "StorageError", "fold", "migrations"]
