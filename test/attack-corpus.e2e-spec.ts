import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { encodeRevocationEvent } from '@app/events';
import { SigningKeyStore, type ActiveSigningKey } from '../apps/auth-service/src/keys/signing-key.store.js';
import {
  base64url,
  claimsOf,
  ECDSA_ZERO_SIGNATURES,
  ecdsaRawToDer,
  headerOf,
  HMAC_ALGORITHMS,
  hmacSigned,
  jsonSegment,
  PUBLIC_KEY_SECRET_FORMS,
  publicKeyAsSecrets,
  respellSignature,
  signJson,
  signSegments,
} from './support/crafted-tokens.js';
import { clientCredentialsToken, CLIENTS } from './support/oauth-client.js';
import { rawGet, type RawResponse } from './support/raw-request.js';
import { RecordingServer } from './support/recording-server.js';
import { selfSignedCertificate } from './support/self-signed-certificate.js';
import { startStack, type Stack } from './support/services.js';

/**
 * The attack corpus (DESIGN "Resource-server responses"): forged, confused, injected, malformed and misdirected
 * tokens, and Authorization headers outside RFC 6750, sent over HTTP to both sample services (orders on Fastify,
 * billing on Express) through the real stack (auth-service, broker, Postgres). Every attempt must be refused with
 * the expected status and stable `errorCode` and the RFC 6750 challenge; never 2xx, never 5xx, never the token
 * echoed. Wherever an attack can be built from the issuer's real signing key, it is: then only the check under
 * test stands between the attempt and a 200.
 */

/** How an attempt must be refused. */
interface Refusal {
  readonly status: number;
  /** `errorCode` of the body; absent when the HTTP server itself answers (431, before any route). */
  readonly errorCode?: string;
  /** RFC 6750 `error` of the body and of the challenge; `unauthorized` = a challenge without `error`. */
  readonly error?: 'invalid_token' | 'invalid_request' | 'unauthorized';
}

const invalidToken = (errorCode: string): Refusal => ({ status: 401, errorCode, error: 'invalid_token' });
const INVALID_REQUEST: Refusal = { status: 400, errorCode: 'ERR_INVALID_REQUEST', error: 'invalid_request' };
const NO_TOKEN: Refusal = { status: 401, errorCode: 'ERR_TOKEN_MISSING', error: 'unauthorized' };
/** Node's HTTP parser refuses a header block over its limit (16 KiB) before any application code runs. */
const HEADERS_TOO_LARGE: Refusal = { status: 431 };

const MALFORMED = invalidToken('ERR_TOKEN_MALFORMED');
const ALG_NOT_ALLOWED = invalidToken('ERR_TOKEN_ALG_NOT_ALLOWED');
const SIGNATURE_INVALID = invalidToken('ERR_TOKEN_SIGNATURE_INVALID');
const KEY_UNKNOWN = invalidToken('ERR_TOKEN_KEY_UNKNOWN');
const TYPE_INVALID = invalidToken('ERR_TOKEN_TYPE_INVALID');
const CLAIMS_INVALID = invalidToken('ERR_TOKEN_CLAIMS_INVALID');
const ISSUER_INVALID = invalidToken('ERR_TOKEN_ISSUER_INVALID');
const AUDIENCE_INVALID = invalidToken('ERR_TOKEN_AUDIENCE_INVALID');
const EXPIRED = invalidToken('ERR_TOKEN_EXPIRED');
const NOT_YET_VALID = invalidToken('ERR_TOKEN_NOT_YET_VALID');

/** A bearer token (sent as `Authorization: Bearer <token>`), or the exact header lines and query of a request. */
type Attempt = string | { readonly lines: readonly (readonly [string, string])[]; readonly query?: string };

interface AttackCase {
  readonly name: string;
  readonly attempt: () => Attempt | Promise<Attempt>;
  readonly refusal: Refusal;
}

/** What the cases are built from, once the stack runs. */
interface Material {
  /** A valid token for both services (`orders:read orders:write billing:read`), and its parts. */
  readonly token: string;
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  readonly payloadSegment: string;
  readonly signatureSegment: string;
  /** Another valid token of the same client (another `jti`, so another signature). */
  readonly other: string;
  readonly issuer: string;
  readonly issuerKey: ActiveSigningKey;
  readonly issuerJwk: JWK;
  readonly attacker: { privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK; kid: string; certificate: string };
  /** The attacker's host: serves the attacker's JWKS and certificate, records every request. */
  readonly attackerUrl: string;
  readonly nowS: number;
}

let stack: Stack;
let attackerHost: RecordingServer;
let m: Material;

/** Real-key signature over the valid token's header and claims with changes (`undefined` removes a member). */
const byIssuer = (header: Record<string, unknown>, claims: Record<string, unknown> = {}): Promise<string> =>
  signJson(m.issuerKey.privateKey, { ...m.header, ...header }, { ...m.claims, ...claims });
/** The same with the attacker's own ES256 key. */
const byAttacker = (header: Record<string, unknown>, claims: Record<string, unknown> = {}): Promise<string> =>
  signJson(m.attacker.privateKey, { ...m.header, ...header }, { ...m.claims, ...claims });
/** The valid token's payload and real signature under another header. */
const reheaded = (header: Record<string, unknown>, signature = m.signatureSegment): string =>
  `${jsonSegment({ ...m.header, ...header })}.${m.payloadSegment}.${signature}`;
/** The valid token with another signature segment. */
const resigned = (signature: Uint8Array | string): string =>
  `${m.token.split('.').slice(0, 2).join('.')}.${typeof signature === 'string' ? signature : base64url(signature)}`;
/** A request carrying exactly these Authorization lines. */
const lines = (...values: string[]): Attempt => ({ lines: values.map((value) => ['Authorization', value] as const) });
/** An attacker key of another type signing the valid claims under `alg`, with the issuer's `kid`. */
async function otherKeyType(alg: string): Promise<string> {
  const { privateKey } = await generateKeyPair(alg);
  return new CompactSign(Buffer.from(JSON.stringify(m.claims)))
    .setProtectedHeader({ ...m.header, alg })
    .sign(privateKey);
}

const algNone: AttackCase[] = ['none', 'None', 'NONE', 'nOnE'].flatMap((alg) => [
  { name: `alg ${alg}, empty signature`, attempt: () => reheaded({ alg }, ''), refusal: ALG_NOT_ALLOWED },
  {
    name: `alg ${alg}, no signature part`,
    attempt: () => `${jsonSegment({ ...m.header, alg })}.${m.payloadSegment}`,
    refusal: MALFORMED,
  },
  { name: `alg ${alg}, the real signature kept`, attempt: () => reheaded({ alg }), refusal: ALG_NOT_ALLOWED },
]);

const hmacConfusion: AttackCase[] = (Object.keys(HMAC_ALGORITHMS) as (keyof typeof HMAC_ALGORITHMS)[]).flatMap((alg) =>
  PUBLIC_KEY_SECRET_FORMS.map((form) => ({
    name: `${alg} with the issuer's public key as the secret (${form})`,
    attempt: () => hmacSigned(alg, m.header, m.payloadSegment, publicKeyAsSecrets(m.issuerJwk)[form]),
    refusal: ALG_NOT_ALLOWED,
  })),
);

const keyTypeConfusion: AttackCase[] = [
  {
    name: 'RS256 header over the real ES256 signature',
    attempt: () => reheaded({ alg: 'RS256' }),
    refusal: ALG_NOT_ALLOWED,
  },
  ...['RS256', 'PS256', 'ES384', 'ES512', 'EdDSA'].map((alg) => ({
    name: `${alg} signed by an attacker key under the issuer's kid`,
    attempt: () => otherKeyType(alg),
    refusal: ALG_NOT_ALLOWED,
  })),
  {
    name: 'ES256 header over an RSA signature of the same input',
    attempt: async () => {
      const { privateKey } = await generateKeyPair('RS256');
      return signSegments(privateKey, jsonSegment(m.header), m.payloadSegment);
    },
    refusal: SIGNATURE_INVALID,
  },
  { name: 'alg es256 (lower case)', attempt: () => byIssuer({ alg: 'es256' }), refusal: ALG_NOT_ALLOWED },
  { name: 'alg ["ES256"] (an array)', attempt: () => byIssuer({ alg: ['ES256'] }), refusal: ALG_NOT_ALLOWED },
  { name: 'alg missing', attempt: () => byIssuer({ alg: undefined }), refusal: ALG_NOT_ALLOWED },
  {
    name: "ES256 by the attacker's key under the issuer's kid",
    attempt: () => byAttacker({}),
    refusal: SIGNATURE_INVALID,
  },
];

const kidInjection: AttackCase[] = [
  ...[
    ['path traversal', '../../../../../../etc/passwd'],
    ['path traversal to the JWKS', '../../.well-known/jwks.json'],
    ['SQL-ish', "' OR '1'='1"],
    ['SQL-ish statement', "x'; DROP TABLE signing_keys; --"],
    ['very long (4096 characters)', 'k'.repeat(4096)],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['with a NUL byte', 'kid\u0000'],
  ].map(([name, kid]) => ({ name: `kid ${name}`, attempt: () => byIssuer({ kid }), refusal: KEY_UNKNOWN })),
  {
    name: "the issuer's kid with a NUL byte appended",
    attempt: () => byIssuer({ kid: `${m.issuerKey.kid}\u0000` }),
    refusal: KEY_UNKNOWN,
  },
  {
    name: "the issuer's kid in upper case",
    attempt: () => byIssuer({ kid: m.issuerKey.kid.toUpperCase() }),
    refusal: KEY_UNKNOWN,
  },
  {
    name: 'kid a URL of the attacker',
    attempt: () => byIssuer({ kid: `${m.attackerUrl}/jwks.json` }),
    refusal: KEY_UNKNOWN,
  },
  ...(
    [
      ['a number', 42],
      ['null', null],
      ['true', true],
      ['an empty string', ''],
      ['an object', { kid: 'x' }],
    ] as [string, unknown][]
  ).map(([name, kid]) => ({ name: `kid ${name}`, attempt: () => byIssuer({ kid }), refusal: MALFORMED })),
  {
    name: "kid an array holding the issuer's kid",
    attempt: () => byIssuer({ kid: [m.issuerKey.kid] }),
    refusal: MALFORMED,
  },
  { name: 'no kid', attempt: () => byIssuer({ kid: undefined }), refusal: MALFORMED },
];

/** Signed by the attacker; the header points at the attacker's key. Only a verifier that trusted it would accept. */
const embeddedKeys: AttackCase[] = [
  {
    name: "jwk header with the attacker's key, issuer's kid",
    attempt: () => byAttacker({ jwk: m.attacker.jwk }),
    refusal: SIGNATURE_INVALID,
  },
  {
    name: "jwk header with the attacker's key and kid",
    attempt: () => byAttacker({ jwk: m.attacker.jwk, kid: m.attacker.kid }),
    refusal: KEY_UNKNOWN,
  },
  {
    name: 'jwk header, no kid',
    attempt: () => byAttacker({ jwk: m.attacker.jwk, kid: undefined }),
    refusal: MALFORMED,
  },
  {
    name: "jku at the attacker's JWKS, issuer's kid",
    attempt: () => byAttacker({ jku: `${m.attackerUrl}/jwks.json` }),
    refusal: SIGNATURE_INVALID,
  },
  {
    name: "jku at the attacker's JWKS, attacker's kid",
    attempt: () => byAttacker({ jku: `${m.attackerUrl}/jwks.json`, kid: m.attacker.kid }),
    refusal: KEY_UNKNOWN,
  },
  {
    name: "x5u at the attacker's certificate, issuer's kid",
    attempt: () => byAttacker({ x5u: `${m.attackerUrl}/cert.pem` }),
    refusal: SIGNATURE_INVALID,
  },
  {
    name: "x5u at the attacker's certificate, attacker's kid",
    attempt: () => byAttacker({ x5u: `${m.attackerUrl}/cert.pem`, kid: m.attacker.kid }),
    refusal: KEY_UNKNOWN,
  },
  {
    name: "x5c with the attacker's self-signed certificate, issuer's kid",
    attempt: () => byAttacker({ x5c: [m.attacker.certificate] }),
    refusal: SIGNATURE_INVALID,
  },
  {
    name: "x5c with the attacker's certificate, attacker's kid",
    attempt: () => byAttacker({ x5c: [m.attacker.certificate], kid: m.attacker.kid }),
    refusal: KEY_UNKNOWN,
  },
  {
    name: 'x5c, no kid',
    attempt: () => byAttacker({ x5c: [m.attacker.certificate], kid: undefined }),
    refusal: MALFORMED,
  },
  {
    name: "every key header at once, issuer's kid",
    attempt: () =>
      byAttacker({
        jwk: m.attacker.jwk,
        jku: `${m.attackerUrl}/jwks.json`,
        x5u: `${m.attackerUrl}/cert.pem`,
        x5c: [m.attacker.certificate],
      }),
    refusal: SIGNATURE_INVALID,
  },
];

const critical: AttackCase[] = [
  {
    name: 'unknown crit member',
    attempt: () => byIssuer({ crit: ['x-policy'], 'x-policy': 'allow-all' }),
    refusal: MALFORMED,
  },
  { name: 'crit naming a registered member', attempt: () => byIssuer({ crit: ['exp'], exp: 1 }), refusal: MALFORMED },
  { name: 'crit empty', attempt: () => byIssuer({ crit: [] }), refusal: MALFORMED },
  { name: 'crit a string', attempt: () => byIssuer({ crit: 'b64' }), refusal: MALFORMED },
  {
    // Valid under both readings: with b64:false the signed payload is the base64url text itself.
    name: 'b64:false (RFC 7797 unencoded payload) with crit',
    attempt: () => byIssuer({ b64: false, crit: ['b64'] }),
    refusal: MALFORMED,
  },
];

const signatures: AttackCase[] = [
  { name: 'stripped signature (empty third part)', attempt: () => resigned(''), refusal: SIGNATURE_INVALID },
  {
    name: 'swapped signature (the valid signature of another token)',
    attempt: () => resigned(m.other.split('.')[2]!),
    refusal: SIGNATURE_INVALID,
  },
  {
    name: 'ECDSA zero signature r = s = 0, raw 64 bytes',
    attempt: () => resigned(ECDSA_ZERO_SIGNATURES.raw),
    refusal: SIGNATURE_INVALID,
  },
  {
    name: 'ECDSA zero signature r = s = 0, DER',
    attempt: () => resigned(ECDSA_ZERO_SIGNATURES.der),
    refusal: SIGNATURE_INVALID,
  },
  {
    name: 'the real signature in DER instead of raw r‖s',
    attempt: () => resigned(ecdsaRawToDer(Buffer.from(m.signatureSegment, 'base64url'))),
    refusal: SIGNATURE_INVALID,
  },
  {
    name: 'signature of 64 0xff bytes',
    attempt: () => resigned(new Uint8Array(64).fill(0xff)),
    refusal: SIGNATURE_INVALID,
  },
  {
    name: 'the real signature truncated by one byte',
    attempt: () => resigned(Buffer.from(m.signatureSegment, 'base64url').subarray(0, 63)),
    refusal: SIGNATURE_INVALID,
  },
  {
    name: 'the real signature respelled (same bytes, other unused bits)',
    attempt: () => respellSignature(m.token),
    refusal: MALFORMED,
  },
  { name: 'the real signature with base64 padding', attempt: () => `${m.token}==`, refusal: MALFORMED },
];

const size: AttackCase[] = [
  {
    name: 'whole token over maxTokenBytes (8192), signed by the issuer',
    attempt: () => byIssuer({}, { padding: 'p'.repeat(6500) }),
    refusal: MALFORMED,
  },
  {
    name: 'JOSE header over maxTokenBytes, signed by the issuer',
    attempt: () => byIssuer({ pad: 'h'.repeat(6500) }),
    refusal: MALFORMED,
  },
  {
    name: 'Authorization header over the HTTP server limit',
    attempt: () => `${m.token}${'A'.repeat(20_000)}`,
    refusal: HEADERS_TOO_LARGE,
  },
];

const encoding: AttackCase[] = [
  {
    // '???>>>' encodes to 'Pz8_Pj4-' in base64url and 'Pz8/Pj4+' in base64.
    name: 'header segment in standard base64 (+ and /), signed by the issuer',
    attempt: async () => {
      const token = await byIssuer({ note: '???>>>' });
      const [header, payload, signature] = token.split('.');
      return `${header!.replaceAll('-', '+').replaceAll('_', '/')}.${payload}.${signature}`;
    },
    refusal: MALFORMED,
  },
  {
    name: 'padding inside the token (header==.)',
    attempt: () => m.token.replace('.', '==.'),
    refusal: INVALID_REQUEST,
  },
  {
    name: 'header segment one character too long for base64',
    attempt: () => `${m.token.split('.')[0]}A.${m.payloadSegment}.${m.signatureSegment}`,
    refusal: MALFORMED,
  },
  { name: 'empty header segment', attempt: () => `.${m.payloadSegment}.${m.signatureSegment}`, refusal: MALFORMED },
  { name: 'only dots', attempt: () => '..', refusal: MALFORMED },
  ...[
    ['not JSON', base64url('not json')],
    ['a JSON array', jsonSegment(['ES256'])],
    ['a JSON string', jsonSegment('at+jwt')],
    ['JSON null', jsonSegment(null)],
    ['invalid UTF-8', base64url(Uint8Array.from([0xff, 0xfe, 0x7b, 0x7d]))],
  ].map(([name, header]) => ({
    name: `header ${name}, signed by the issuer`,
    attempt: () => signSegments(m.issuerKey.privateKey, header!, m.payloadSegment),
    refusal: MALFORMED,
  })),
  ...(
    [
      ['not JSON', () => base64url('{"sub":')],
      ['a JSON array', () => jsonSegment([m.claims])],
      ['invalid UTF-8', () => base64url(Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))],
      ['empty', () => ''],
    ] as const
  ).map(([name, payload]) => ({
    name: `payload ${name}, signed by the issuer`,
    attempt: () => signSegments(m.issuerKey.privateKey, jsonSegment(m.header), payload()),
    refusal: MALFORMED,
  })),
];

const segments: AttackCase[] = [
  { name: 'two parts', attempt: () => m.token.split('.').slice(0, 2).join('.'), refusal: MALFORMED },
  { name: 'four parts', attempt: () => `${m.token}.${m.signatureSegment}`, refusal: MALFORMED },
  { name: 'four parts, the last empty', attempt: () => `${m.token}.`, refusal: MALFORMED },
  { name: 'five parts', attempt: () => `${m.token}.${m.payloadSegment}.${m.signatureSegment}`, refusal: MALFORMED },
  ...[
    ['RSA-OAEP-256', 'A256GCM'],
    ['dir', 'A128GCM'],
  ].map(([alg, enc]) => ({
    name: `JWE-shaped (${alg}, ${enc})`,
    attempt: () =>
      [jsonSegment({ alg, enc, kid: m.issuerKey.kid, typ: 'at+jwt' }), 'ZWs', 'aXY', m.payloadSegment, 'dGFn'].join(
        '.',
      ),
    refusal: MALFORMED,
  })),
];

const types: AttackCase[] = [
  ...[
    ['JWT', 'JWT'],
    ['none', 'none'],
    ['secevent+jwt', 'secevent+jwt'],
    ['application/jwt', 'application/jwt'],
    ['at+jwt with a trailing space', 'at+jwt '],
    ['a number', 1],
    ['an array', ['at+jwt']],
  ].map(([name, typ]) => ({
    name: `typ ${String(name)}, signed by the issuer`,
    attempt: () => byIssuer({ typ }),
    refusal: TYPE_INVALID,
  })),
  { name: 'typ missing, signed by the issuer', attempt: () => byIssuer({ typ: undefined }), refusal: TYPE_INVALID },
  {
    name: "a revocation event (Security Event Token) signed by the issuer's key, presented as a token",
    attempt: () =>
      encodeRevocationEvent(
        { target: { type: 'jti', value: String(m.claims.jti) }, revokedAt: m.nowS, expiresAt: m.nowS + 300 },
        { issuer: m.issuer, audience: ['orders-service', 'billing-service'], signer: m.issuerKey },
      ),
    refusal: TYPE_INVALID,
  },
  {
    name: 'an event re-typed at+jwt, signed by the issuer',
    attempt: () =>
      signJson(m.issuerKey.privateKey, m.header, {
        iss: m.issuer,
        iat: m.nowS,
        jti: 'evt-1',
        aud: ['orders-service', 'billing-service'],
        events: { 'urn:auth-layer:secevent:token-revoked': {} },
      }),
    refusal: CLAIMS_INVALID,
  },
];

const misdirected: AttackCase[] = [
  {
    name: 'another audience, signed by the issuer',
    attempt: () => byIssuer({}, { aud: ['payments-service'] }),
    refusal: AUDIENCE_INVALID,
  },
  { name: 'audience missing', attempt: () => byIssuer({}, { aud: undefined }), refusal: AUDIENCE_INVALID },
  { name: 'audience an empty array', attempt: () => byIssuer({}, { aud: [] }), refusal: AUDIENCE_INVALID },
  { name: 'audience a number', attempt: () => byIssuer({}, { aud: 42 }), refusal: AUDIENCE_INVALID },
  {
    name: 'audience an object',
    attempt: () => byIssuer({}, { aud: { 'orders-service': true } }),
    refusal: AUDIENCE_INVALID,
  },
  {
    name: 'audience names padded with a space',
    attempt: () => byIssuer({}, { aud: ['orders-service ', 'billing-service '] }),
    refusal: AUDIENCE_INVALID,
  },
  {
    name: 'another issuer, signed by the issuer',
    attempt: () => byIssuer({}, { iss: 'https://evil.example' }),
    refusal: ISSUER_INVALID,
  },
  {
    name: 'issuer with a trailing slash',
    attempt: () => byIssuer({}, { iss: `${m.issuer}/` }),
    refusal: ISSUER_INVALID,
  },
  { name: 'issuer in an array', attempt: () => byIssuer({}, { iss: [m.issuer] }), refusal: ISSUER_INVALID },
  { name: 'issuer missing', attempt: () => byIssuer({}, { iss: undefined }), refusal: ISSUER_INVALID },
];

const times: AttackCase[] = [
  {
    name: 'expired past the tolerance',
    attempt: () => byIssuer({}, { iat: m.nowS - 400, exp: m.nowS - 40 }),
    refusal: EXPIRED,
  },
  {
    name: 'expired a year ago',
    attempt: () => byIssuer({}, { iat: m.nowS - 31_536_300, exp: m.nowS - 31_536_000 }),
    refusal: EXPIRED,
  },
  {
    name: 'nbf in the future past the tolerance',
    attempt: () => byIssuer({}, { nbf: m.nowS + 120 }),
    refusal: NOT_YET_VALID,
  },
  {
    name: 'iat in the future past the tolerance',
    attempt: () => byIssuer({}, { iat: m.nowS + 120 }),
    refusal: NOT_YET_VALID,
  },
  { name: 'exp missing', attempt: () => byIssuer({}, { exp: undefined }), refusal: CLAIMS_INVALID },
  { name: 'exp a string', attempt: () => byIssuer({}, { exp: String(m.nowS + 300) }), refusal: CLAIMS_INVALID },
  { name: 'iat missing', attempt: () => byIssuer({}, { iat: undefined }), refusal: CLAIMS_INVALID },
  { name: 'iat a string', attempt: () => byIssuer({}, { iat: String(m.nowS) }), refusal: CLAIMS_INVALID },
  { name: 'nbf a string', attempt: () => byIssuer({}, { nbf: String(m.nowS) }), refusal: CLAIMS_INVALID },
];

const claimTypes: AttackCase[] = (
  [
    ['sub', 42],
    ['sub', ''],
    ['sub', null],
    ['sub', undefined],
    ['jti', 7],
    ['jti', ''],
    ['jti', ['a']],
    ['jti', undefined],
    ['client_id', null],
    ['client_id', ['demo-app']],
    ['client_id', {}],
    ['client_id', undefined],
    ['scope', ['orders:read', 'orders:write', 'billing:read']],
    ['scope', 42],
    ['scope', { 'orders:read': true }],
    ['sid', 5],
  ] as const
).map(([claim, value]) => ({
  name: `${claim} ${value === undefined ? 'missing' : JSON.stringify(value)}, signed by the issuer`,
  attempt: () => byIssuer({}, { [claim]: value }),
  refusal: CLAIMS_INVALID,
}));

/** A valid token, spelled outside RFC 6750 §2.1 (`"Bearer" 1*SP b64token`, one field line) or under another scheme. */
const authorizationHeaders: AttackCase[] = [
  { name: 'a tab instead of the space', attempt: () => lines(`Bearer\t${m.token}`), refusal: INVALID_REQUEST },
  {
    name: 'two Authorization lines, both the valid token',
    attempt: () => lines(`Bearer ${m.token}`, `Bearer ${m.token}`),
    refusal: INVALID_REQUEST,
  },
  {
    name: 'two Authorization lines, the valid token first',
    attempt: () => lines(`Bearer ${m.token}`, 'Bearer x'),
    refusal: INVALID_REQUEST,
  },
  {
    name: 'two Authorization lines, the valid token second',
    attempt: () => lines('Bearer x', `Bearer ${m.token}`),
    refusal: INVALID_REQUEST,
  },
  {
    name: 'two credentials in one line',
    attempt: () => lines(`Bearer ${m.token}, Bearer ${m.token}`),
    refusal: INVALID_REQUEST,
  },
  { name: 'the token quoted', attempt: () => lines(`Bearer "${m.token}"`), refusal: INVALID_REQUEST },
  {
    name: 'an auth-param instead of a token',
    attempt: () => lines(`Bearer token=${m.token}`),
    refusal: INVALID_REQUEST,
  },
  { name: 'a trailing semicolon', attempt: () => lines(`Bearer ${m.token};`), refusal: INVALID_REQUEST },
  {
    name: 'two tokens separated by a space',
    attempt: () => lines(`Bearer ${m.token} ${m.token}`),
    refusal: INVALID_REQUEST,
  },
  {
    name: 'a character outside b64token (ö)',
    attempt: () => lines(`Bearer ${m.token}\u00f6`),
    refusal: INVALID_REQUEST,
  },
  { name: 'Bearer and no token', attempt: () => lines('Bearer'), refusal: INVALID_REQUEST },
  {
    name: 'Basic with client credentials',
    attempt: () => lines(`Basic ${Buffer.from('demo-app:secret').toString('base64')}`),
    refusal: NO_TOKEN,
  },
  { name: 'Basic with the token', attempt: () => lines(`Basic ${m.token}`), refusal: NO_TOKEN },
  { name: 'another scheme (DPoP) with the token', attempt: () => lines(`DPoP ${m.token}`), refusal: NO_TOKEN },
  { name: 'no space after Bearer (another scheme name)', attempt: () => lines(`Bearer${m.token}`), refusal: NO_TOKEN },
  { name: 'an empty Authorization line', attempt: () => lines(''), refusal: NO_TOKEN },
  {
    name: 'the token in the query (RFC 6750 §2.3, not supported)',
    attempt: () => ({ lines: [], query: `access_token=${m.token}` }),
    refusal: NO_TOKEN,
  },
];

const CORPUS: readonly (readonly [string, readonly AttackCase[]])[] = [
  ['alg none', algNone],
  ['HMAC with the public key (algorithm confusion)', hmacConfusion],
  ['RS/EC key-type confusion', keyTypeConfusion],
  ['kid injection', kidInjection],
  ['embedded keys (jwk, jku, x5u, x5c)', embeddedKeys],
  ['crit and b64', critical],
  ['signatures', signatures],
  ['size', size],
  ['encoding', encoding],
  ['segments', segments],
  ['typ', types],
  ['audience and issuer', misdirected],
  ['time claims', times],
  ['claim types', claimTypes],
  ['Authorization header syntax', authorizationHeaders],
];

const SERVICES = [
  ['orders-service (Fastify)', () => `${stack.orders.url}/orders`],
  ['billing-service (Express)', () => `${stack.billing.url}/invoices`],
] as const;

function send(url: string, attempt: Attempt): Promise<RawResponse> {
  if (typeof attempt === 'string') return rawGet(url, [['Authorization', `Bearer ${attempt}`]]);
  return rawGet(attempt.query === undefined ? url : `${url}?${attempt.query}`, attempt.lines);
}

/** Every credential fragment long enough to be recognised if an answer echoed it. */
function fragmentsOf(attempt: Attempt): string[] {
  const texts =
    typeof attempt === 'string' ? [attempt] : [...attempt.lines.map(([, value]) => value), attempt.query ?? ''];
  return texts.flatMap((text) => text.split(/[.\s,"=;]+/)).filter((fragment) => fragment.length >= 16);
}

function expectRefused(response: RawResponse, refusal: Refusal, attempt: Attempt): void {
  const body = response.body === '' ? {} : (JSON.parse(response.body) as Record<string, unknown>);
  const seen = { status: response.status, errorCode: body.errorCode, error: body.error };
  expect(refusal.errorCode === undefined ? { status: seen.status } : seen).toEqual(refusal);
  const answer = `${JSON.stringify(response.headers)}${response.body}`;
  for (const fragment of fragmentsOf(attempt)) expect(answer).not.toContain(fragment);
  if (refusal.error === undefined) return;
  const challenge = response.headers['www-authenticate'];
  if (refusal.error === 'unauthorized') expect(challenge).toMatch(/^Bearer realm="[^"]+"$/);
  else expect(challenge).toMatch(new RegExp(`^Bearer realm="[^"]+", error="${refusal.error}"`));
  expect(response.headers['cache-control']).toBe('no-store');
}

beforeAll(async () => {
  stack = await startStack(process.env.KAFKA_BROKERS!);
  const token = await clientCredentialsToken(stack.auth.url, CLIENTS.demo, 'orders:read orders:write billing:read');
  const other = await clientCredentialsToken(stack.auth.url, CLIENTS.demo, 'orders:read orders:write billing:read');
  const issuerKey = stack.auth.app.get(SigningKeyStore).signingKey();
  const jwks = (await (await fetch(`${stack.auth.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
  const attackerKeys = await generateKeyPair('ES256', { extractable: true });
  const attackerJwk = { ...(await exportJWK(attackerKeys.publicKey)), alg: 'ES256', use: 'sig' };
  const attackerKid = await calculateJwkThumbprint(attackerJwk);
  const certificate = await selfSignedCertificate(attackerKeys);
  attackerHost = new RecordingServer({
    '/jwks.json': { type: 'application/json', body: JSON.stringify({ keys: [{ ...attackerJwk, kid: attackerKid }] }) },
    '/cert.pem': { type: 'application/x-pem-file', body: new X509Certificate(certificate).toString() },
  });
  const attackerUrl = await attackerHost.start();
  const [, payloadSegment, signatureSegment] = token.split('.');
  m = {
    token,
    header: headerOf(token),
    claims: claimsOf(token),
    payloadSegment: payloadSegment!,
    signatureSegment: signatureSegment!,
    other,
    issuer: stack.auth.config.issuer,
    issuerKey,
    issuerJwk: jwks.keys.find((key) => key.kid === issuerKey.kid)!,
    attacker: { ...attackerKeys, jwk: attackerJwk, kid: attackerKid, certificate: certificate.toString('base64') },
    attackerUrl,
    nowS: Math.floor(Date.now() / 1000),
  };
});

afterAll(async () => {
  await attackerHost?.stop();
  await stack?.close();
});

describe('the material is sound (else the corpus proves nothing)', () => {
  it('the valid token opens both services, sent the way the corpus sends tokens', async () => {
    for (const [, url] of SERVICES) expect((await send(url(), m.token)).status).toBe(200);
  });

  it('a token re-signed with the issuer key and unchanged claims opens both services', async () => {
    const resignedByIssuer = await byIssuer({});
    for (const [, url] of SERVICES) expect((await send(url(), resignedByIssuer)).status).toBe(200);
  });

  it("the attacker's host answers: its JWKS and certificate are really there to be fetched", async () => {
    const served = (await (await fetch(`${m.attackerUrl}/jwks.json`)).json()) as { keys: JWK[] };
    expect(served.keys[0]).toMatchObject({ kid: m.attacker.kid, x: m.attacker.jwk.x });
    const certificate = new X509Certificate(await (await fetch(`${m.attackerUrl}/cert.pem`)).text());
    expect(certificate.checkIssued(certificate)).toBe(true);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    attackerHost.requests.length = 0;
  });
});

describe.each(SERVICES)('%s refuses', (_service, url) => {
  describe.each(CORPUS)('%s', (_group, cases) => {
    it.each(cases)('$name', async ({ attempt, refusal }) => {
      const made = await attempt();
      expectRefused(await send(url(), made), refusal, made);
    });
  });
});

describe('accepted spellings of a valid token (RFC 7235 §2.1 case-insensitive scheme, RFC 6750 §2.1 1*SP)', () => {
  it.each(['bearer ', 'BEARER ', 'Bearer  ', 'bEaReR   '])('%j + the token opens both services', async (prefix) => {
    for (const [, url] of SERVICES)
      expect((await rawGet(url(), [['Authorization', `${prefix}${m.token}`]])).status).toBe(200);
  });
});

describe('after the corpus', () => {
  it('an orders-only token issued by the auth service is refused at billing (RFC 9068 audience)', async () => {
    const ordersOnly = await clientCredentialsToken(stack.auth.url, CLIENTS.ordersReader, 'orders:read');
    expectRefused(await send(`${stack.billing.url}/invoices`, ordersOnly), AUDIENCE_INVALID, ordersOnly);
  });

  it("nothing ever fetched the attacker's jku, x5u or kid URLs", () => {
    expect(attackerHost.requests).toEqual([]);
  });

  it('both services still serve the valid token and report ready', async () => {
    for (const [, url] of SERVICES) expect((await send(url(), m.token)).status).toBe(200);
    for (const service of [stack.orders, stack.billing])
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
  });
});
