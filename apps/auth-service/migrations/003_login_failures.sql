-- Password-grant backoff (issue 7): consecutive failed logins per (client, username), shared by every instance.

CREATE TABLE login_failures (
  client_id       text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  -- keyed hash of the username as presented (see username-ref.ts): no personal data, and no password typed into the
  -- username field, at rest; unknown usernames are tracked the same way as known ones
  username_ref    text NOT NULL,
  failures        integer NOT NULL CHECK (failures > 0),
  last_failure_at timestamptz NOT NULL,
  -- the password grant answers 429 without checking the password until then
  locked_until    timestamptz,
  -- past it the row means nothing (the quiet window after the last failure and after the lock): forgotten, pruned
  expires_at      timestamptz NOT NULL,
  PRIMARY KEY (client_id, username_ref)
);
CREATE INDEX login_failures_expires_at_idx ON login_failures (expires_at);
