-- 0002: whether a stored turn counts as a question in /stats and the report.
-- 0 for greetings and thanks (kept out of the answer rate) and for a calculator dialog's
-- follow-up turns ("50", "取消"): one dialog is one question, counted at its first turn.
ALTER TABLE questions ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
