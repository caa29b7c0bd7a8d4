import { REVOCATION_EVENT_TARGETS } from './revocation.js';
import { isNumericDate, isPlainObject } from './security-event-token.js';

/**
 * The `expires_at` a revocation event claims, read WITHOUT verifying anything; `undefined` for anything that is not
 * plainly a revocation event (a heartbeat, a malformed record). Only to skip what could change nothing: a record
 * whose claimed expiry is past is dropped unverified, which is what a verified expired revocation would come to
 * (and a forged or altered one would be dropped anyway). Never apply anything from it. A few microseconds against
 * ~150 µs for a verification: a week of expired history on the topic costs a starting consumer next to nothing.
 *
 * @example
 * ```ts
 * const expiresAt = peekRevocationExpiry(record.value);
 * if (expiresAt !== undefined && index.isExpired(expiresAt)) return; // skipped, not verified
 * ```
 */
export function peekRevocationExpiry(jws: string): number | undefined {
  const first = jws.indexOf('.');
  const second = jws.indexOf('.', first + 1);
  if (first < 0 || second < 0) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(jws.slice(first + 1, second), 'base64url').toString('utf8'));
  } catch {
    // Not JSON: not plainly a revocation event; full verification will say what it is.
    return undefined;
  }
  if (!isPlainObject(claims) || !isPlainObject(claims.events)) return undefined;
  const entries = Object.entries(claims.events);
  if (entries.length !== 1) return undefined;
  const [type, payload] = entries[0];
  if (!Object.hasOwn(REVOCATION_EVENT_TARGETS, type) || !isPlainObject(payload)) return undefined;
  return isNumericDate(payload.expires_at) ? payload.expires_at : undefined;
}
