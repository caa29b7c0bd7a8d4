-- The subject and client cut-offs of the last seconds are re-read by every instance after each new one
-- (RecentCutOffs, on the channel auth_cut_offs): this index keeps that read from scanning every token, session and
-- key revocation.
CREATE INDEX revocations_cut_offs_revoked_at_idx ON revocations (revoked_at) WHERE target_type IN ('sub', 'client');
