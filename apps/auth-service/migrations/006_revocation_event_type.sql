-- Which event type a revocation travels as (issue 6): a subject cut-off caused by a change of the user is carried by
-- CAEP credential-change (password changed, user disabled) or token-claims-change (roles changed); NULL is the
-- target type's default (REVOCATION_EVENT_TYPES in libs/events). The latest revocation of a target sets it, so an
-- event signed again (key revocation) travels as the one it replaces on the compacted topic.
ALTER TABLE revocations ADD COLUMN event_type text;
