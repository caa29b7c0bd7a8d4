-- Initial schema of the auth service (issue 2: walking skeleton).
-- Applied once, in order, by the migration runner; recorded in schema_migrations.

CREATE TABLE resource_servers (
  audience    text PRIMARY KEY,
  scopes      text[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE clients (
  id           text PRIMARY KEY,
  -- keyed hash: 'hmac-sha256:' || base64url(HMAC-SHA256(client secret hash key, secret)); never the secret
  secret_hash  text NOT NULL,
  grant_types  text[] NOT NULL DEFAULT '{}',
  scopes       text[] NOT NULL DEFAULT '{}',
  disabled     boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE roles (
  name        text PRIMARY KEY,
  scopes      text[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id             text PRIMARY KEY,
  username       text NOT NULL UNIQUE,
  -- argon2id PHC string
  password_hash  text NOT NULL,
  roles          text[] NOT NULL DEFAULT '{}',
  disabled       boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  sid         text PRIMARY KEY,
  user_id     text NOT NULL REFERENCES users (id),
  client_id   text NOT NULL REFERENCES clients (id),
  auth_time   timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE signing_keys (
  -- RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key
  kid                     text PRIMARY KEY,
  alg                     text NOT NULL,
  state                   text NOT NULL CHECK (state IN ('next', 'current', 'previous', 'retired', 'revoked')),
  public_jwk              jsonb NOT NULL,
  -- AES-256-GCM under the key-encryption key, AAD = kid; base64url(version || iv || tag || ciphertext)
  private_key_ciphertext  text NOT NULL,
  created_at              timestamptz NOT NULL DEFAULT now(),
  activated_at            timestamptz,
  retired_at              timestamptz,
  revoked_at              timestamptz
);
CREATE UNIQUE INDEX signing_keys_one_current_idx ON signing_keys (state) WHERE state = 'current';

CREATE TABLE revocations (
  id            bigserial PRIMARY KEY,
  target_type   text NOT NULL CHECK (target_type IN ('jti', 'sid', 'sub', 'client', 'kid')),
  target_value  text NOT NULL,
  revoked_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  reason        text,
  requested_by  text NOT NULL,
  UNIQUE (target_type, target_value)
);

CREATE TABLE outbox (
  id          bigserial PRIMARY KEY,
  topic       text NOT NULL,
  record_key  text NOT NULL,
  -- the signed Security Event Token (JWS compact)
  value       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  sent_at     timestamptz
);
CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;

CREATE TABLE audit_log (
  id       bigserial PRIMARY KEY,
  at       timestamptz NOT NULL DEFAULT now(),
  type     text NOT NULL,
  actor    text NOT NULL,
  -- never secrets, tokens, passwords or keys: ids, jti, kid, reasons
  details  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_type_at_idx ON audit_log (type, at DESC);
