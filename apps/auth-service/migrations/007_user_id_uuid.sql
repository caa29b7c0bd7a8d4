-- User ids are canonical lower-case UUIDs (issue 6, RFC 9068 §5): a client's own tokens have sub = 'client:<id>',
-- which no UUID can equal, so a client is never taken for a user nor hit by a user's subject revocation. Enforced
-- here for every way a user is inserted (dev seed, admin API); the dev seed is also checked when it is read.
ALTER TABLE users
  ADD CONSTRAINT users_id_uuid CHECK (id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$');
