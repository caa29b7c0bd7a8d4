-- Refresh tokens (issue 6). A session is open until it ends (ended_at, 004) or lapses: past expires_at, or not
-- refreshed within AUTH_SESSION_IDLE_TIMEOUT_SECONDS of last_active_at. While open, exactly one of its refresh
-- tokens is live; every earlier one is dead, and presenting a dead one again revokes the session.

-- What the login granted (RFC 6749 §6: a refresh never yields more): its scopes and its RFC 8707 resources.
ALTER TABLE sessions ADD COLUMN scopes text[] NOT NULL DEFAULT '{}';
ALTER TABLE sessions ADD COLUMN resources text[] NOT NULL DEFAULT '{}';
-- The defaults fail safe for a row written without them (sessions opened before this migration, or by an instance
-- still running the previous release during a rolling upgrade): lapsed at once, and kept while a token of theirs may
-- be alive (1 day: the longest AUTH_ACCESS_TOKEN_TTL_SECONDS).
-- auth_time + AUTH_SESSION_MAX_LIFETIME_SECONDS, fixed at login: refreshing never extends it.
ALTER TABLE sessions ADD COLUMN expires_at timestamptz NOT NULL DEFAULT now();
-- The last token issued in the session (login or refresh): the idle timeout counts from here.
ALTER TABLE sessions ADD COLUMN last_active_at timestamptz NOT NULL DEFAULT now();
-- The latest exp of any access token issued in the session: a sid revocation lasts until then, the row at least as long.
ALTER TABLE sessions ADD COLUMN access_tokens_expire_at timestamptz NOT NULL DEFAULT now() + interval '1 day';

CREATE TABLE refresh_tokens (
  -- 'sha256:' || base64url(SHA-256(token)), see apps/auth-service/src/sessions/refresh-token.ts; never the token
  token_hash     text PRIMARY KEY,
  sid            text NOT NULL REFERENCES sessions (sid) ON DELETE CASCADE,
  -- 1 for the login's token, +1 per rotation: the immediately previous token is the live one's generation - 1
  generation     integer NOT NULL CHECK (generation > 0),
  issued_at      timestamptz NOT NULL,
  -- when its successor replaced it: dead from then on
  rotated_at     timestamptz,
  -- when the reuse grace accepted it once more: never again
  grace_used_at  timestamptz,
  UNIQUE (sid, generation),
  CONSTRAINT refresh_tokens_grace_after_rotation CHECK (grace_used_at IS NULL OR rotated_at IS NOT NULL)
);
-- At most one live refresh token per session, whatever the code does.
CREATE UNIQUE INDEX refresh_tokens_one_live_idx ON refresh_tokens (sid) WHERE rotated_at IS NULL;
-- Retention looks for sessions none of whose access tokens can still be accepted, then keeps the open ones.
CREATE INDEX sessions_access_tokens_expire_at_idx ON sessions (access_tokens_expire_at);
