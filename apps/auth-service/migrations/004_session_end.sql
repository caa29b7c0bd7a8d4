-- Sessions end (issue 6): at logout, on refresh-token reuse, past their lifetimes, or when their user or client is
-- revoked, disabled or changes credentials. An ended session never yields a token again.

ALTER TABLE sessions ADD COLUMN ended_at timestamptz;
-- why it ended: see SESSION_END_REASONS in apps/auth-service/src/sessions/session-end.ts
ALTER TABLE sessions ADD COLUMN end_reason text;
ALTER TABLE sessions ADD CONSTRAINT sessions_end_reason_with_end CHECK ((ended_at IS NULL) = (end_reason IS NULL));
CREATE INDEX sessions_client_id_idx ON sessions (client_id);
