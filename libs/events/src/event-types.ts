/**
 * Event type URIs carried in the `events` claim of our Security Event Tokens (RFC 8417).
 * The CAEP types are used where they fit (session-revoked; credential-change and token-claims-change for a subject
 * cut-off caused by a change of the user); the rest are our own documented URNs (see libs/events/README.md).
 * `heartbeat` is no state change: the auth service's relay sends it on the revocations topic at a fixed interval so
 * consumers can tell a quiet stream from a lost one. The two `revocation-snapshot-*` types travel on the snapshots
 * topic only: a signed snapshot of every live revocation, so a starting consumer need not verify the whole history.
 *
 * @example
 * ```ts
 * if (EVENT_TYPES.sessionRevoked in set.events) { ... }
 * ```
 */
export const EVENT_TYPES = {
  tokenRevoked: 'urn:auth-layer:secevent:token-revoked',
  sessionRevoked: 'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
  subjectRevoked: 'urn:auth-layer:secevent:subject-revoked',
  credentialChange: 'https://schemas.openid.net/secevent/caep/event-type/credential-change',
  tokenClaimsChange: 'https://schemas.openid.net/secevent/caep/event-type/token-claims-change',
  clientRevoked: 'urn:auth-layer:secevent:client-revoked',
  keyRevoked: 'urn:auth-layer:secevent:key-revoked',
  keyPublished: 'urn:auth-layer:secevent:key-published',
  keyActivated: 'urn:auth-layer:secevent:key-activated',
  keyRetired: 'urn:auth-layer:secevent:key-retired',
  heartbeat: 'urn:auth-layer:secevent:heartbeat',
  revocationSnapshotManifest: 'urn:auth-layer:secevent:revocation-snapshot-manifest',
  revocationSnapshotChunk: 'urn:auth-layer:secevent:revocation-snapshot-chunk',
} as const;

/**
 * Any of the {@link EVENT_TYPES} URIs.
 *
 * @example
 * ```ts
 * const type: EventType = EVENT_TYPES.tokenRevoked;
 * ```
 */
export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];
