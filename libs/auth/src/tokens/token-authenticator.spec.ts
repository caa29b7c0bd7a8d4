import { describe, expect, it, jest } from '@jest/globals';
import { InsecureTransportError } from '../errors/auth.errors.js';
import { RevocationIndex } from '../revocations/revocation-index.js';
import type { AuthenticatedToken } from './access-token-claims.js';
import type { AccessTokenVerifier } from './access-token.verifier.js';
import { TokenAuthenticator, type RequestTransport } from './token-authenticator.js';

const NOW = 1_790_000_000;
const token: AuthenticatedToken = {
  claims: {
    iss: 'https://auth.example.com',
    sub: 'demo-app',
    aud: 'orders-service',
    client_id: 'demo-app',
    scope: 'orders:read',
    iat: NOW,
    exp: NOW + 300,
    jti: 'jti-1',
  },
  kid: 'kid-1',
  scopes: new Set(['orders:read']),
};
// Shaped like a compact JWS; the verifier below stands in for signature checks, which this spec is not about.
const AUTHORIZATION = 'Bearer aaaa.bbbb.cccc';

function authenticator(requireHttps: boolean) {
  const verify = jest.fn(async (_compact: string) => token);
  const subject = new TokenAuthenticator(
    {
      requireHttps,
      revocationFailurePolicy: 'open',
      revocationStateReady: () => true,
      revocationCapacityExceeded: () => false,
    },
    { verify } as unknown as AccessTokenVerifier,
    new RevocationIndex({ clock: () => NOW * 1000, graceSeconds: 30 }),
  );
  return { subject, verify };
}

describe('TokenAuthenticator transport check (requireHttps)', () => {
  it.each<[string, RequestTransport | undefined]>([
    ['a plain-HTTP request', { secure: false }],
    ['a request the adapter said nothing about', undefined],
  ])('refuses %s before reading the token when HTTPS is required', async (_name, transport) => {
    const { subject, verify } = authenticator(true);
    await expect(subject.authenticate(AUTHORIZATION, ['orders:read'], transport)).rejects.toThrow(
      InsecureTransportError,
    );
    await expect(subject.authenticate(undefined, [], transport)).rejects.toMatchObject({
      code: 'ERR_INSECURE_TRANSPORT',
    });
    expect(verify).not.toHaveBeenCalled();
  });

  it.each<[boolean, RequestTransport | undefined]>([
    [true, { secure: true }],
    [false, { secure: false }],
    [false, undefined],
  ])('accepts the token when requireHttps=%s and the transport is %j', async (requireHttps, transport) => {
    const { subject, verify } = authenticator(requireHttps);
    await expect(subject.authenticate(AUTHORIZATION, ['orders:read'], transport)).resolves.toBe(token);
    expect(verify).toHaveBeenCalledWith('aaaa.bbbb.cccc');
  });
});
