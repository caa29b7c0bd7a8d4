import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import { SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** Unpadded base64url of raw bytes or text. */
export function base64url(value: string | Uint8Array): string {
  return Buffer.from(value).toString('base64url');
}

/** One compact-JWS segment holding `value` as JSON, whatever its shape (an object, an array, `null`, a string). */
export function jsonSegment(value: unknown): string {
  return base64url(JSON.stringify(value));
}

function decodePart(token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The protected header of a compact JWS, unverified (test inspection only). */
export function headerOf(token: string): Record<string, unknown> {
  return decodePart(token, 0);
}

/** The claims of a compact JWT, unverified (test inspection only). */
export function claimsOf(token: string): Record<string, unknown> {
  return decodePart(token, 1);
}

/** A real token with one claim changed and the original signature kept. */
export function tamper(token: string, changes: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${jsonSegment({ ...claimsOf(token), ...changes })}.${signature}`;
}

/** The same claims with `alg: none` and an empty signature. */
export function unsigned(token: string): string {
  const header = { ...headerOf(token), alg: 'none' };
  return `${jsonSegment(header)}.${token.split('.')[1]}.`;
}

/** The HMAC algorithms of RFC 7518 §3.2, with the hash each one uses. */
export const HMAC_ALGORITHMS = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;

/** `header.payload` (the payload segment as given) signed with an HMAC `secret`: the algorithm-confusion forgery. */
export function hmacSigned(
  alg: keyof typeof HMAC_ALGORITHMS,
  header: Record<string, unknown>,
  payloadSegment: string,
  secret: string | Uint8Array,
): string {
  const input = `${jsonSegment({ ...header, alg })}.${payloadSegment}`;
  return `${input}.${base64url(createHmac(HMAC_ALGORITHMS[alg], secret).update(input).digest())}`;
}

/**
 * Every form of an EC public key an HMAC verifier might be fooled into using as its secret: the SPKI PEM text,
 * the SPKI DER bytes, the JWK as JSON text, and the `x` coordinate as text and as bytes.
 */
export const PUBLIC_KEY_SECRET_FORMS = [
  'SPKI PEM',
  'SPKI DER bytes',
  'JWK JSON',
  'x coordinate (base64url text)',
  'x coordinate (bytes)',
] as const;

/** The issuer's public key in each of the {@link PUBLIC_KEY_SECRET_FORMS}. */
export function publicKeyAsSecrets(
  publicJwk: JWK,
): Record<(typeof PUBLIC_KEY_SECRET_FORMS)[number], string | Uint8Array> {
  const key = createPublicKey({ key: publicJwk as never, format: 'jwk' });
  return {
    'SPKI PEM': key.export({ type: 'spki', format: 'pem' }),
    'SPKI DER bytes': key.export({ type: 'spki', format: 'der' }),
    'JWK JSON': JSON.stringify(publicJwk),
    'x coordinate (base64url text)': publicJwk.x!,
    'x coordinate (bytes)': Buffer.from(publicJwk.x!, 'base64url'),
  };
}

/**
 * The classic algorithm-confusion forgery: the same claims signed with HS256, using the issuer's
 * published public key (PEM) as the HMAC secret.
 */
export function hs256WithPublicKey(token: string, publicJwk: JWK): string {
  return hmacSigned('HS256', headerOf(token), token.split('.')[1]!, publicKeyAsSecrets(publicJwk)['SPKI PEM']);
}

/** A token signed with the issuer's own current key, with chosen claims (e.g. already expired) and a fresh jti. */
export function signWith(
  key: { kid: string; alg: string; privateKey: CryptoKey },
  claims: JWTPayload,
): Promise<string> {
  return new SignJWT({ ...claims, jti: randomUUID() })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .sign(key.privateKey);
}

/**
 * `headerSegment.payloadSegment` signed as is with the key's own algorithm (ES256 for a P-256 key, raw r‖s; RS256
 * for an RS256 key), whatever the header says. Unlike jose's signers it checks nothing, so a test can sign any
 * header (an unknown `crit`, a numeric `kid`, an `alg` that is not the key's) or payload bytes (not JSON, not
 * UTF-8) with a real key and show that only the verifier's own check refuses them.
 */
export async function signSegments(
  privateKey: CryptoKey,
  headerSegment: string,
  payloadSegment: string,
): Promise<string> {
  const input = `${headerSegment}.${payloadSegment}`;
  const params = privateKey.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : privateKey.algorithm;
  const signature = await crypto.subtle.sign(params, privateKey, Buffer.from(input));
  return `${input}.${base64url(new Uint8Array(signature))}`;
}

/** {@link signSegments} of a header and claims given as JSON values. */
export function signJson(privateKey: CryptoKey, header: unknown, claims: unknown): Promise<string> {
  return signSegments(privateKey, jsonSegment(header), jsonSegment(claims));
}

/**
 * ECDSA signatures with r = s = 0 (CVE-2022-21449, "psychic signatures": verifiers that skipped the range check
 * accepted them for any message), in the raw 64-byte form JWS uses and in the DER form.
 */
export const ECDSA_ZERO_SIGNATURES = {
  raw: new Uint8Array(64),
  der: Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]),
} as const;

/** A raw r‖s ES256 signature in DER (ECDSA-Sig-Value), the encoding X.509 uses and JWS does not. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array): Buffer => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
    const trimmed = Buffer.from(bytes.subarray(start));
    const value = trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
    return Buffer.concat([Buffer.from([0x02, value.length]), value]);
  };
  const body = Buffer.concat([integer(raw.subarray(0, 32)), integer(raw.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The same token with the unused low bits of its last character flipped: lenient base64url decoders read the
 * same signature bytes from it, so only a canonical-encoding check tells it from the original. Needs a signature
 * whose length leaves 4 unused bits (ES256: 64 bytes, 86 characters).
 */
export function respellSignature(token: string): string {
  const last = BASE64URL_ALPHABET.indexOf(token.at(-1)!);
  return `${token.slice(0, -1)}${BASE64URL_ALPHABET[last ^ 0b1111]}`;
}
