-- 0004: questions handed to union staff ("找工会工作人员") and the staff's replies.
-- Texts are masked and ids are keyed hashes, as everywhere in the store: a reply reaches the
-- worker through the channel that still knows the chat (in memory), or, for the web, when the
-- session asks for its messages.

-- One hand-off: its id is the #N staff see and answer.
CREATE TABLE handoffs (
    id           INTEGER PRIMARY KEY,
    opened_at    TEXT NOT NULL,                 -- UTC, 'YYYY-MM-DD HH:MM:SS'
    question_id  INTEGER REFERENCES questions (id) ON DELETE SET NULL,
    via          TEXT NOT NULL,                 -- the channel: telegram | web | wechat
    chat_hash    TEXT NOT NULL,
    user_hash    TEXT NOT NULL,
    text         TEXT NOT NULL,                 -- the question handed over, masked
    details      TEXT NOT NULL DEFAULT '',      -- what the worker added afterwards, masked
    guesses      TEXT NOT NULL DEFAULT '[]',    -- JSON list of the FAQ ids the bot thought nearest
    announced_at TEXT,                          -- when staff were told (NULL: not yet)
    answered_at  TEXT,                          -- the first staff reply (NULL: open)
    answered_by  TEXT                           -- who gave it, masked
);
CREATE INDEX handoffs_by_user ON handoffs (user_hash, answered_at);
CREATE INDEX handoffs_by_time ON handoffs (opened_at);

-- What staff wrote back, waiting for delivery until delivered_at is set.
CREATE TABLE staff_replies (
    id           INTEGER PRIMARY KEY,
    handoff_id   INTEGER NOT NULL REFERENCES handoffs (id) ON DELETE CASCADE,
    sent_at      TEXT NOT NULL,
    staff        TEXT NOT NULL,                 -- masked
    text         TEXT NOT NULL,                 -- masked
    via          TEXT NOT NULL,
    chat_hash    TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX staff_replies_waiting ON staff_replies (via, chat_hash, delivered_at);
