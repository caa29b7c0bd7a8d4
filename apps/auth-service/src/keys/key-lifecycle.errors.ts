/**
 * No signing key has this `kid` (admin API: 404).
 *
 * @example
 * if (error instanceof UnknownSigningKeyError) throw new NotFoundException();
 */
export class UnknownSigningKeyError extends Error {
  override readonly name = 'UnknownSigningKeyError';
  readonly code = 'ERR_KEY_NOT_FOUND';

  constructor(readonly kid: string) {
    super(`no signing key ${JSON.stringify(kid)}`);
  }
}

/**
 * A rotation was asked for before the next key had been published long enough (`AUTH_KEY_PUBLISH_AHEAD_SECONDS`):
 * verifiers that only read the JWKS may not know it yet (admin API: 409 with `Retry-After`).
 *
 * @example
 * if (error instanceof KeyRotationRefusedError) response.setHeader('Retry-After', error.retryAfterSeconds);
 */
export class KeyRotationRefusedError extends Error {
  override readonly name = 'KeyRotationRefusedError';
  readonly code = 'ERR_KEY_ROTATION_TOO_SOON';

  constructor(
    readonly kid: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`next key ${kid} has not been published long enough; retry in ${retryAfterSeconds} s`);
  }
}
