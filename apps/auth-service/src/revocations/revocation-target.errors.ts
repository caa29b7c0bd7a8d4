/** What `POST /admin/revocations` may revoke by id and did not find (admin API: 404). */
export type RevocationTargetKind = 'session' | 'subject' | 'client';

const CODES = {
  session: 'ERR_SESSION_NOT_FOUND',
  subject: 'ERR_SUBJECT_NOT_FOUND',
  client: 'ERR_CLIENT_NOT_FOUND',
} as const satisfies Record<RevocationTargetKind, string>;

/**
 * No session, user or client has this id, so there is nothing to revoke (admin API: 404). A `jti` is never unknown:
 * the auth service does not keep the ids of the tokens it issued, so a token revocation is always recorded.
 *
 * @example
 * if (session === undefined) throw new UnknownRevocationTargetError('session');
 */
export class UnknownRevocationTargetError extends Error {
  override readonly name = 'UnknownRevocationTargetError';
  readonly code: (typeof CODES)[RevocationTargetKind];

  constructor(readonly kind: RevocationTargetKind) {
    super(`no such ${kind}`);
    this.code = CODES[kind];
  }
}
