import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import { SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

function decodePart(token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The claims of a compact JWT, unverified (test inspection only). */
export function claimsOf(token: string): Record<string, unknown> {
  return decodePart(token, 1);
}

/** A real token with one claim changed and the original signature kept. */
export function tamper(token: string, changes: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${base64url(JSON.stringify({ ...claimsOf(token), ...changes }))}.${signature}`;
}

/** The same claims with `alg: none` and an empty signature. */
export function unsigned(token: string): string {
  const header = { ...decodePart(token, 0), alg: 'none' };
  return `${base64url(JSON.stringify(header))}.${token.split('.')[1]}.`;
}

/**
 * The classic algorithm-confusion forgery: the same claims signed with HS256, using the issuer's
 * published public key (PEM) as the HMAC secret.
 */
export function hs256WithPublicKey(token: string, publicJwk: JWK): string {
  const pem = createPublicKey({ key: publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const header = { ...decodePart(token, 0), alg: 'HS256' };
  const input = `${base64url(JSON.stringify(header))}.${token.split('.')[1]}`;
  return `${input}.${base64url(createHmac('sha256', pem).update(input).digest())}`;
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
