import { beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { respellSignature } from '../../../../test/support/crafted-tokens.js';
import { KeyNotFoundError, KeyResolver, type VerificationKey } from '../keys/verification-key.js';
import { AccessTokenVerifier } from './access-token.verifier.js';

const ISSUER = 'https://auth.example.test';
const NOW_S = 1_800_000_000;

/** A fixed key set that answers as the port says: by kid and alg together; `revoked` kids are known as such. */
class StaticKeys extends KeyResolver {
  constructor(
    private readonly keys: VerificationKey[],
    private readonly revoked: string[] = ['k-revoked'],
  ) {
    super();
  }
  override async resolve(header: { kid: string; alg: string }): Promise<VerificationKey> {
    const key = this.keys.find((candidate) => candidate.kid === header.kid);
    if (this.revoked.includes(header.kid)) throw new KeyNotFoundError(header.kid, 'revoked');
    if (key === undefined) throw new KeyNotFoundError(header.kid, 'unknown');
    if (key.alg !== header.alg) throw new KeyNotFoundError(header.kid, 'alg-mismatch');
    return key;
  }
}

let signingKey: CryptoKey;
let publicKey: CryptoKey;
let otherKey: CryptoKey;
let publicPem: string;
let verifier: AccessTokenVerifier;

const claims = (overrides: JWTPayload = {}): JWTPayload => ({
  iss: ISSUER,
  sub: 'alice',
  aud: ['orders-service'],
  client_id: 'demo-app',
  scope: 'orders:read orders:write',
  jti: 'jti-1',
  iat: NOW_S - 10,
  exp: NOW_S + 290,
  ...overrides,
});

function sign(payload: JWTPayload, header: Record<string, unknown> = {}, key: CryptoKey = signingKey): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt', ...header }).sign(key);
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  signingKey = pair.privateKey;
  publicKey = pair.publicKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  publicPem = await exportSPKI(pair.publicKey);
  const rsa = await generateKeyPair('RS256');
  verifier = new AccessTokenVerifier(
    {
      issuer: ISSUER,
      audiences: ['orders-service'],
      algorithms: ['ES256', 'RS256'],
      clockToleranceSeconds: 30,
      maxTokenBytes: 8192,
      clock: () => NOW_S * 1000,
    },
    new StaticKeys([
      { kid: 'k1', alg: 'ES256', key: pair.publicKey },
      { kid: 'rsa', alg: 'RS256', key: rsa.publicKey },
    ]),
  );
});

describe('AccessTokenVerifier', () => {
  it('accepts a well-formed RFC 9068 token and exposes its scopes', async () => {
    const result = await verifier.verify(await sign(claims()));
    expect(result.claims.sub).toBe('alice');
    expect(result.kid).toBe('k1');
    expect([...result.scopes]).toEqual(['orders:read', 'orders:write']);
  });

  it('checks no audience when none is configured (the issuer verifying its own tokens)', async () => {
    const issuerSide = new AccessTokenVerifier(
      {
        issuer: ISSUER,
        algorithms: ['ES256'],
        clockToleranceSeconds: 0,
        maxTokenBytes: 8192,
        clock: () => NOW_S * 1000,
      },
      new StaticKeys([{ kid: 'k1', alg: 'ES256', key: publicKey }]),
    );
    await expect(issuerSide.verify(await sign(claims({ aud: 'billing-service' })))).resolves.toBeDefined();
    await expect(issuerSide.verify(await sign(claims({ aud: undefined })))).rejects.toMatchObject({
      code: 'ERR_TOKEN_AUDIENCE_INVALID',
    });
  });

  it('accepts the application/at+jwt spelling of typ', async () => {
    await expect(verifier.verify(await sign(claims(), { typ: 'application/AT+JWT' }))).resolves.toBeDefined();
  });

  const unsigned = (header: object, payload: object) =>
    `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.`;
  const hmacSigned = (header: object, payload: object, secret: string) => {
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    return `${input}.${base64url(createHmac('sha256', secret).update(input).digest())}`;
  };

  const cases: [string, () => Promise<string> | string, string][] = [
    ['alg none', () => unsigned({ alg: 'none', kid: 'k1', typ: 'at+jwt' }, claims()), 'ERR_TOKEN_ALG_NOT_ALLOWED'],
    [
      'HS256 signed with the public key (algorithm confusion)',
      () => hmacSigned({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' }, claims(), publicPem),
      'ERR_TOKEN_ALG_NOT_ALLOWED',
    ],
    [
      'RS256 header on an ES256 key',
      () => hmacSigned({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' }, claims(), 'x'),
      'ERR_TOKEN_ALG_NOT_ALLOWED',
    ],
    ['signed by another key', () => sign(claims(), {}, otherKey), 'ERR_TOKEN_SIGNATURE_INVALID'],
    [
      'tampered payload',
      async () => {
        const [header, , signature] = (await sign(claims())).split('.');
        return `${header}.${base64url(JSON.stringify(claims({ scope: 'auth:admin' })))}.${signature}`;
      },
      'ERR_TOKEN_SIGNATURE_INVALID',
    ],
    ['expired', () => sign(claims({ exp: NOW_S - 31 })), 'ERR_TOKEN_EXPIRED'],
    ['not yet valid (nbf)', () => sign(claims({ nbf: NOW_S + 31 })), 'ERR_TOKEN_NOT_YET_VALID'],
    ['nbf a string', () => sign(claims({ nbf: String(NOW_S) as never })), 'ERR_TOKEN_CLAIMS_INVALID'],
    ['issued in the future', () => sign(claims({ iat: NOW_S + 31 })), 'ERR_TOKEN_NOT_YET_VALID'],
    ['wrong issuer', () => sign(claims({ iss: 'https://evil.example' })), 'ERR_TOKEN_ISSUER_INVALID'],
    ['wrong audience', () => sign(claims({ aud: 'billing-service' })), 'ERR_TOKEN_AUDIENCE_INVALID'],
    ['typ JWT (an ID token)', () => sign(claims(), { typ: 'JWT' }), 'ERR_TOKEN_TYPE_INVALID'],
    ['typ secevent+jwt (a security event)', () => sign(claims(), { typ: 'secevent+jwt' }), 'ERR_TOKEN_TYPE_INVALID'],
    ['no typ', () => sign(claims(), { typ: undefined }), 'ERR_TOKEN_TYPE_INVALID'],
    ['no kid', () => sign(claims(), { kid: undefined }), 'ERR_TOKEN_MALFORMED'],
    ['unknown kid', () => sign(claims(), { kid: 'k9' }), 'ERR_TOKEN_KEY_UNKNOWN'],
    ['a kid whose key was revoked', () => sign(claims(), { kid: 'k-revoked' }), 'ERR_TOKEN_REVOKED'],
    ['missing jti', () => sign(claims({ jti: undefined })), 'ERR_TOKEN_CLAIMS_INVALID'],
    ['missing client_id', () => sign(claims({ client_id: undefined })), 'ERR_TOKEN_CLAIMS_INVALID'],
    ['missing exp', () => sign(claims({ exp: undefined })), 'ERR_TOKEN_CLAIMS_INVALID'],
    ['non-string scope', () => sign(claims({ scope: ['orders:read'] })), 'ERR_TOKEN_CLAIMS_INVALID'],
    ['auth_time a string', () => sign(claims({ auth_time: String(NOW_S) as never })), 'ERR_TOKEN_CLAIMS_INVALID'],
    [
      'crit header',
      () => hmacSigned({ alg: 'ES256', kid: 'k1', typ: 'at+jwt', crit: ['x'], x: 1 }, claims(), 'x'),
      'ERR_TOKEN_MALFORMED',
    ],
    [
      'a respelled signature (same bytes, other unused low bits in the last character)',
      async () => respellSignature(await sign(claims())),
      'ERR_TOKEN_MALFORMED',
    ],
    ['garbage', () => 'not-a-jwt', 'ERR_TOKEN_MALFORMED'],
    ['oversize', () => `${'a'.repeat(9000)}.b.c`, 'ERR_TOKEN_MALFORMED'],
  ];

  it.each(cases)('refuses %s', async (_name, make, code) => {
    const token = await make();
    await expect(verifier.verify(token)).rejects.toMatchObject({ name: 'InvalidTokenError', code });
  });
});
