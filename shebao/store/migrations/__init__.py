"""Numbered SQL migrations of the store (NNNN_name.sql), applied in order by shebao.store.

Each file runs once, in its own transaction, on SQLite and on PostgreSQL alike, and is recorded in
schema_migrations; a released file is never edited, a change is a new file. Write SQL both run:
TEXT, INTEGER, REAL, `INTEGER PRIMARY KEY` for a row number (PostgreSQL gets an identity column,
see backends.ddl), CHECK, REFERENCES, CREATE INDEX; no SQLite-only functions or PRAGMAs.
"""
