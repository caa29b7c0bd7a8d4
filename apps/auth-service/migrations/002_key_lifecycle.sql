-- Key lifecycle (issue 5): rotation timeline, key-encryption-key ring, signature counts.

-- When the key stopped signing (current → previous): it retires once every token it signed has expired.
ALTER TABLE signing_keys ADD COLUMN deactivated_at timestamptz;
-- Fingerprint of the key-encryption key that wraps private_key_ciphertext (NULL: written before KEK ids existed).
ALTER TABLE signing_keys ADD COLUMN kek_id text;
-- Tokens and events signed with the key (a counter, not a row per signature).
ALTER TABLE signing_keys ADD COLUMN signature_count bigint NOT NULL DEFAULT 0;
ALTER TABLE signing_keys ADD COLUMN revocation_reason text;
-- A retired or revoked key never signs again: its private part is erased.
ALTER TABLE signing_keys ALTER COLUMN private_key_ciphertext DROP NOT NULL;
ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_private_part_while_usable
  CHECK (private_key_ciphertext IS NOT NULL OR state IN ('retired', 'revoked'));
CREATE UNIQUE INDEX signing_keys_one_next_idx ON signing_keys (state) WHERE state = 'next';
