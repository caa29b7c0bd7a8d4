/**
 * Checks an algorithm allow-list for SETs: non-empty, asymmetric only (`none` and every `HS*` are refused, so a
 * public key can never be used as an HMAC secret).
 * Throws a `TypeError` naming `option` (programmer misuse, not bad input).
 *
 * @example
 * ```ts
 * assertEventAlgorithms(['ES256', 'EdDSA'], 'algorithms');
 * ```
 */
export function assertEventAlgorithms(algorithms: readonly string[], option: string): void {
  // Kept apart from the Array.isArray check, which would narrow `algorithms` to any[].
  const list = algorithms;
  if (!Array.isArray(algorithms) || list.length === 0) {
    throw new TypeError(`"${option}" must be a non-empty array of JWS algorithms`);
  }
  for (const alg of list) assertEventAlgorithm(alg, option);
}

/**
 * Checks one JWS algorithm name as {@link assertEventAlgorithms} does.
 *
 * @example
 * ```ts
 * assertEventAlgorithm(signer.alg, 'signer.alg');
 * ```
 */
export function assertEventAlgorithm(alg: string, option: string): void {
  if (typeof alg !== 'string' || alg.length === 0) throw new TypeError(`"${option}" must name a JWS algorithm`);
  if (!isAllowedEventAlgorithm(alg)) throw new TypeError(`"${option}": algorithm ${alg} is not allowed for events`);
}

/**
 * False for `none` and every `HS*` (a public key must never be usable as an HMAC secret), true otherwise.
 *
 * @example
 * ```ts
 * isAllowedEventAlgorithm('ES256'); // true
 * isAllowedEventAlgorithm('HS256'); // false
 * ```
 */
export function isAllowedEventAlgorithm(alg: string): boolean {
  const upper = alg.toUpperCase();
  return upper !== 'NONE' && !upper.startsWith('HS');
}
