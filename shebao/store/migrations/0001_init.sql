-- 0001: questions and what was answered, the unanswered queue, feedback,
-- per-chat settings and calculator conversations in progress.
-- Texts are masked (shebao.privacy.mask) and ids are keyed hashes before they get here.

CREATE TABLE questions (
    id          INTEGER PRIMARY KEY,
    asked_at    TEXT NOT NULL,              -- UTC, 'YYYY-MM-DD HH:MM:SS'
    user_hash   TEXT NOT NULL,              -- HMAC of the Telegram user id
    chat_type   TEXT NOT NULL,              -- private | group | supergroup | channel
    via         TEXT NOT NULL,              -- message | ask | mention | reply | deeplink | suggestion | choice
    text        TEXT NOT NULL,              -- the question as asked, masked
    kind        TEXT NOT NULL,              -- faq | calc | none
    answer_id   TEXT,                       -- FAQ id or 'calc:<name>' answered; NULL when kind = 'none'
    best_id     TEXT,                       -- top-ranked FAQ id whatever the threshold
    score       REAL,
    suggestions TEXT NOT NULL DEFAULT '[]'  -- JSON list of FAQ ids offered as "did you mean"
);
CREATE INDEX questions_by_time ON questions (asked_at);
CREATE INDEX questions_by_answer ON questions (answer_id, asked_at);

-- The queue staff work through: one row per question that got no answer.
CREATE TABLE unanswered (
    question_id INTEGER PRIMARY KEY REFERENCES questions (id) ON DELETE CASCADE,
    text_key    TEXT NOT NULL,                 -- masked text folded so repeats group together
    status      TEXT NOT NULL DEFAULT 'open',  -- open | resolved | ignored
    resolved_at TEXT,
    note        TEXT
);
CREATE INDEX unanswered_by_key ON unanswered (status, text_key);

CREATE TABLE feedback (
    id          INTEGER PRIMARY KEY,
    question_id INTEGER REFERENCES questions (id) ON DELETE SET NULL,
    answer_id   TEXT,
    user_hash   TEXT NOT NULL,
    useful      INTEGER NOT NULL CHECK (useful IN (0, 1)),
    given_at    TEXT NOT NULL,
    UNIQUE (question_id, user_hash)
);
CREATE INDEX feedback_by_time ON feedback (given_at);

CREATE TABLE chat_settings (
    chat_hash  TEXT PRIMARY KEY,
    settings   TEXT NOT NULL,                  -- JSON object
    updated_at TEXT NOT NULL
);

-- A calculator dialog waiting for the worker's next answer; survives a restart.
CREATE TABLE conversations (
    chat_hash  TEXT NOT NULL,
    user_hash  TEXT NOT NULL,
    state      TEXT NOT NULL,                  -- CalcState.to_json(), masked
    choices    TEXT NOT NULL DEFAULT '[]',     -- JSON [[label, text], ...] offered as buttons
    turn       INTEGER NOT NULL DEFAULT 0,     -- bumps every save so stale buttons are recognised
    updated_at TEXT NOT NULL,
    PRIMARY KEY (chat_hash, user_hash)
);
