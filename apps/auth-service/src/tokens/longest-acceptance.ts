import { AUTH_DEFAULTS } from '@app/auth/core';

/**
 * How long after it was signed a token of ours may still be accepted somewhere: its lifetime plus the largest clock
 * tolerance a resource server may allow. What signed it, and what can revoke it, must last at least that long.
 *
 * @example
 * longestAcceptanceSeconds(300); // 600
 */
export function longestAcceptanceSeconds(tokenLifetimeSeconds: number): number {
  return tokenLifetimeSeconds + AUTH_DEFAULTS.maxClockToleranceSeconds;
}
