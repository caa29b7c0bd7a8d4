import { describe, expect, it, jest } from '@jest/globals';
import {
  InsecureTransportError,
  InsufficientUserAuthenticationError,
  InvalidRequestError,
} from '../errors/auth.errors.js';
import { RevocationIndex } from '../revocations/revocation-index.js';
import type { AuthenticatedToken } from './access-token-claims.js';
import type { AccessTokenVerifier } from './access-token.verifier.js';
import { TokenAuthenticator, type RequestTransport } from './token-authenticator.js';

const NOW = 1_790_000_000;
const TOLERANCE_SECONDS = 30;
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

function authenticator(
  requireHttps: boolean,
  {
    policy = 'open',
    loaded = true,
    ready = true,
    presented = token,
  }: { policy?: 'open' | 'closed'; loaded?: boolean; ready?: boolean; presented?: AuthenticatedToken } = {},
) {
  const verify = jest.fn(async (_compact: string) => presented);
  const subject = new TokenAuthenticator(
    {
      requireHttps,
      revocationFailurePolicy: policy,
      revocationStateLoaded: () => loaded,
      revocationStateProblem: () =>
        ready ? undefined : { reason: 'Revocation state has not caught up', retryAfterSeconds: 1 },
      revocationCapacityExceeded: () => false,
      clock: () => NOW * 1000,
      clockToleranceSeconds: TOLERANCE_SECONDS,
    },
    { verify } as unknown as AccessTokenVerifier,
    new RevocationIndex({ clock: () => NOW * 1000, graceSeconds: TOLERANCE_SECONDS }),
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

describe('TokenAuthenticator revocation state', () => {
  it.each(['open', 'closed'] as const)(
    'refuses every token with %s policy while the index is still loading at start',
    async (policy) => {
      const { subject, verify } = authenticator(false, { policy, loaded: false, ready: false });
      await expect(subject.authenticate(AUTHORIZATION, ['orders:read'])).rejects.toMatchObject({
        code: 'ERR_REVOCATION_STATE_UNAVAILABLE',
      });
      expect(verify).not.toHaveBeenCalled();
    },
  );

  it('once loaded, a fail-open service keeps verifying while behind and a fail-closed one refuses', async () => {
    const open = authenticator(false, { policy: 'open', loaded: true, ready: false });
    await expect(open.subject.authenticate(AUTHORIZATION, ['orders:read'])).resolves.toBe(token);
    const closed = authenticator(false, { policy: 'closed', loaded: true, ready: false });
    await expect(closed.subject.authenticate(AUTHORIZATION, ['orders:read'])).rejects.toMatchObject({
      code: 'ERR_REVOCATION_STATE_UNAVAILABLE',
    });
  });
});

describe('TokenAuthenticator.authenticateWith (the adapter reads the token)', () => {
  it('reads the token only after the transport check, then verifies what it read', async () => {
    const refused = authenticator(true);
    const readToken = jest.fn(() => 'aaaa.bbbb.cccc');
    await expect(refused.subject.authenticateWith(readToken, [], { secure: false })).rejects.toMatchObject({
      code: 'ERR_INSECURE_TRANSPORT',
    });
    expect(readToken).not.toHaveBeenCalled();

    const { subject, verify } = authenticator(true);
    await expect(subject.authenticateWith(readToken, ['orders:read'], { secure: true })).resolves.toBe(token);
    expect(verify).toHaveBeenCalledWith('aaaa.bbbb.cccc');
  });

  it.each([null, undefined, ''])('takes %j from the reader for no token at all', async (found) => {
    const { subject, verify } = authenticator(false);
    await expect(subject.authenticateWith(() => found, [])).rejects.toMatchObject({ code: 'ERR_TOKEN_MISSING' });
    expect(verify).not.toHaveBeenCalled();
  });

  it("lets the reader's own refusal through, and applies the revocation state and the scopes as authenticate does", async () => {
    const { subject } = authenticator(false);
    await expect(
      subject.authenticateWith(() => {
        throw new InvalidRequestError('Malformed bearer credentials');
      }, []),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(subject.authenticateWith(() => 'aaaa.bbbb.cccc', ['orders:write'])).rejects.toMatchObject({
      code: 'ERR_INSUFFICIENT_SCOPE',
    });
    const closed = authenticator(false, { policy: 'closed', ready: false });
    await expect(closed.subject.authenticateWith(() => 'aaaa.bbbb.cccc', [])).rejects.toMatchObject({
      code: 'ERR_REVOCATION_STATE_UNAVAILABLE',
    });
  });
});

describe('TokenAuthenticator recent authentication (RFC 9470, maxAuthAgeSeconds)', () => {
  const MAX_AGE = 300;
  const userToken = (authTime: number | undefined): AuthenticatedToken => ({
    ...token,
    claims: { ...token.claims, ...(authTime === undefined ? {} : { auth_time: authTime }) },
  });

  it.each<[string, number | undefined, boolean]>([
    ['authenticated just now', NOW, true],
    ['authenticated 10 s ago', NOW - 10, true],
    ['exactly max age plus the clock tolerance ago (boundary)', NOW - MAX_AGE - TOLERANCE_SECONDS, true],
    ['one second past max age plus the tolerance', NOW - MAX_AGE - TOLERANCE_SECONDS - 1, false],
    ['an hour ago', NOW - 3600, false],
    ['no auth_time at all (a client token)', undefined, false],
  ])('%s: accepted=%s', async (_name, authTime, accepted) => {
    const { subject } = authenticator(false, { presented: userToken(authTime) });
    const answer = subject.authenticate(AUTHORIZATION, { scopes: ['orders:read'], maxAuthAgeSeconds: MAX_AGE });
    if (accepted) {
      await expect(answer).resolves.toBeDefined();
    } else {
      await expect(answer).rejects.toMatchObject({ code: 'ERR_AUTH_TOO_OLD', maxAgeSeconds: MAX_AGE });
      await expect(answer).rejects.toBeInstanceOf(InsufficientUserAuthenticationError);
    }
  });

  it('checks the scopes first, and nothing about auth_time when the route sets no bound', async () => {
    const { subject } = authenticator(false, { presented: userToken(NOW - 3600) });
    await expect(
      subject.authenticate(AUTHORIZATION, { scopes: ['orders:write'], maxAuthAgeSeconds: MAX_AGE }),
    ).rejects.toMatchObject({ code: 'ERR_INSUFFICIENT_SCOPE' });
    await expect(subject.authenticate(AUTHORIZATION, { scopes: ['orders:read'] })).resolves.toBeDefined();
    await expect(subject.authenticate(AUTHORIZATION, ['orders:read'])).resolves.toBeDefined();
  });

  it.each([0, -5, 1.5, Number.NaN])('refuses a bound of %s as misuse (TypeError)', async (bound) => {
    const { subject, verify } = authenticator(false);
    await expect(subject.authenticate(AUTHORIZATION, { scopes: [], maxAuthAgeSeconds: bound })).rejects.toThrow(
      TypeError,
    );
    expect(verify).not.toHaveBeenCalled();
  });
});
