-- 0003: every update the bot received, kept BEFORE Telegram is told it arrived (getUpdates with a
-- higher offset, or the webhook's 200), so a crash loses no question: at start the rows not done
-- are answered, once. Only what answering needs is kept (ids, chat type, the masked text), as JSON.
CREATE TABLE inbox (
    bot_id      BIGINT NOT NULL,               -- the bot (its token's number): a new bot numbers anew
    update_id   BIGINT NOT NULL,               -- Telegram's update id: a redelivered update is known
    received_at TEXT NOT NULL,                 -- UTC, 'YYYY-MM-DD HH:MM:SS'
    payload     TEXT NOT NULL,                 -- the update, reduced and masked (bot.inbox)
    done_at     TEXT,                          -- when it was answered; NULL: still owed
    owner       TEXT NOT NULL DEFAULT '',      -- the bot process that took it (host:port): a restart
                                               -- answers its own, never another live worker's
    taken_at    TEXT NOT NULL,                 -- when the owner took it (received, or taken over)
    PRIMARY KEY (bot_id, update_id)
);
CREATE INDEX inbox_owed ON inbox (bot_id, done_at, update_id);
