import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** Algorithms a signing key may be created for; one per key, bound to it in the JWKS (`alg`). */
export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** A freshly generated pair: public JWK as published, private JWK to be sealed at once. */
export interface GeneratedSigningKey {
  /** RFC 7638 thumbprint (SHA-256) of the public key. */
  kid: string;
  alg: SigningAlgorithm;
  publicJwk: JWK;
  privateJwk: JWK;
}

/**
 * Generates a signing key pair for `alg` (RS256: 2048-bit modulus, the floor RFC 7518 §3.3 sets) with
 * `kid` = RFC 7638 thumbprint. The public JWK carries `kid`, `alg` and `use: 'sig'`.
 *
 * @example
 * const { kid, publicJwk, privateJwk } = await generateSigningKey('ES256');
 */
export async function generateSigningKey(alg: SigningAlgorithm): Promise<GeneratedSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
  });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported, 'sha256');
  return { kid, alg, publicJwk: { ...exported, kid, alg, use: 'sig' }, privateJwk: await exportJWK(privateKey) };
}
