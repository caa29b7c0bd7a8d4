import { createHmac, hkdfSync } from 'node:crypto';

/** HKDF `info` separating this key from the client-secret hash key it is derived from. */
const KEY_INFO = 'auth-service username-ref v1';

/**
 * A stable, keyed reference to a username as presented at the password grant: HMAC-SHA256 under a key derived
 * (HKDF) from the service's client-secret hash key, base64url. Used in the backoff table and in the failed-login log
 * instead of the username: a username is personal data, and users do type their password into it. Keyed, so a list
 * of likely usernames cannot be hashed and matched by whoever reads the log or the table.
 *
 * @example
 * const derive = usernameRefs(config.clientSecretHashKey);
 * derive('alice'); // 'Jd3…' (43 characters, the same on every instance)
 */
export function usernameRefs(serviceKey: Uint8Array): (username: string) => string {
  const key = Buffer.from(hkdfSync('sha256', serviceKey, new Uint8Array(0), KEY_INFO, 32));
  return (username) => createHmac('sha256', key).update(username, 'utf8').digest('base64url');
}
