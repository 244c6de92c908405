-- 0005: where a stored question came from: the channel's own id of the message it was read from
-- ('telegram:<bot id>:<update id>', 'wechat:<MsgId>'), NULL where the channel has none (the web,
-- `shebao chat`). A message received twice (the inbox's replay after a crash, WeChat's retry that
-- reached another process) is then stored once: record_question inserts ON CONFLICT DO NOTHING and
-- hands back the first row's id. Channel name and digits only, never text (storage.ORIGIN).
ALTER TABLE questions ADD COLUMN origin TEXT;
-- Unique where set: NULLs never collide, on SQLite and PostgreSQL alike.
CREATE UNIQUE INDEX questions_by_origin ON questions (origin);
