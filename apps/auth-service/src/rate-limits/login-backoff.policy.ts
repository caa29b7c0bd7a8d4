/** When the password grant of one (client, username) pauses after failures (see `AuthServiceConfig.rateLimits.login`). */
export interface LoginBackoffPolicy {
  /** Consecutive failures before the first lock. */
  failures: number;
  /** A quiet period this long after the last failure, and after any lock, forgets the failures. */
  windowSeconds: number;
  /** The first lock; each further failure doubles it. */
  backoffSeconds: number;
  /** The longest lock. */
  maxBackoffSeconds: number;
}

/**
 * How long the password grant stays locked after the `failures`-th consecutive failure: nothing below the threshold,
 * then `backoffSeconds` doubling with each failure, capped at `maxBackoffSeconds` (OWASP Authentication Cheat Sheet:
 * exponential backoff rather than a permanent lock-out, so an attacker cannot lock an account for good).
 *
 * @example
 * lockSeconds(5, { failures: 5, windowSeconds: 900, backoffSeconds: 1, maxBackoffSeconds: 900 }); // 1
 * lockSeconds(7, { failures: 5, windowSeconds: 900, backoffSeconds: 1, maxBackoffSeconds: 900 }); // 4
 */
export function lockSeconds(failures: number, policy: LoginBackoffPolicy): number {
  if (failures < policy.failures) return 0;
  // Past 2^31 the doubling only ever meets the cap; stopping there keeps the arithmetic exact.
  const doublings = Math.min(failures - policy.failures, 31);
  return Math.min(policy.maxBackoffSeconds, policy.backoffSeconds * 2 ** doublings);
}
