/** What a client's own `sub` starts with; no user id (a UUID, see `isUserId`) can. */
const CLIENT_SUBJECT_PREFIX = 'client:';

/**
 * The `sub` of a token a client obtains for itself (client_credentials): `client:<client id>`, in a space of its own
 * so that a client whose id equals a user's id is never taken for that user, nor hit by that user's subject
 * revocations (RFC 9068 §5). A user's token has `sub` = the user id; every token names its client in `client_id`.
 *
 * @example
 * clientSubject('demo-app'); // 'client:demo-app'
 */
export function clientSubject(clientId: string): string {
  return `${CLIENT_SUBJECT_PREFIX}${clientId}`;
}
