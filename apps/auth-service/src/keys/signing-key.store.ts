import { Logger } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { KeyNotFoundError, KeyResolver, type VerificationKey } from '@app/auth/core';
import { AUDIT_EVENTS, type AuditLog } from '../audit/audit-log.service.js';
import type { Clock } from '../common/clock.js';
import { ADVISORY_LOCKS, type Database } from '../storage/database.js';
import { decryptPrivateKey, encryptPrivateKey } from './key-encryption.js';

/** Lifecycle states of a signing key (rotation comes later; the schema has them all). */
export const KEY_STATES = ['next', 'current', 'previous', 'retired', 'revoked'] as const;
export type KeyState = (typeof KEY_STATES)[number];

/** States whose public key is published in the JWKS and accepted when we verify our own tokens. */
export const PUBLISHED_KEY_STATES: readonly KeyState[] = ['next', 'current', 'previous'];

/** The key that signs tokens and events now. Same shape as `EventSigner` of `@app/events`. */
export interface ActiveSigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
}

/** A public key we publish and verify with. */
export interface PublishedKey {
  kid: string;
  alg: string;
  state: KeyState;
  publicJwk: JWK;
  publicKey: CryptoKey;
}

interface SigningKeyRow {
  kid: string;
  alg: string;
  state: KeyState;
  public_jwk: JWK | string;
  private_key_ciphertext: string;
}

/** What {@link SigningKeyStore.load} needs. */
export interface SigningKeyStoreOptions {
  db: Database;
  audit: AuditLog;
  clock: Clock;
  keyEncryptionKey: Buffer;
  algorithm: 'ES256';
  actor: string;
}

/**
 * Holds the signing keys in memory: the current private key (decrypted once at start, audited) and the
 * published public keys. On first start it generates an ES256 pair and stores it encrypted (AES-256-GCM, AAD = kid).
 * Rotation will add `next`/`previous` handling here.
 *
 * @example
 * const keys = await SigningKeyStore.load({ db, audit, clock, keyEncryptionKey, algorithm: 'ES256', actor: 'auth-service' });
 * const jwt = await new SignJWT(claims).setProtectedHeader({ alg: keys.current.alg, kid: keys.current.kid }).sign(keys.current.privateKey);
 */
export class SigningKeyStore extends KeyResolver {
  private static readonly logger = new Logger(SigningKeyStore.name);

  private constructor(
    readonly current: ActiveSigningKey,
    private readonly published: Map<string, PublishedKey>,
  ) {
    super();
  }

  /** Loads (or creates on first start) the keys; decrypts the current private key exactly once. */
  static async load(options: SigningKeyStoreOptions): Promise<SigningKeyStore> {
    const { db, audit } = options;
    const rows = await db.withAdvisoryLock(ADVISORY_LOCKS.signingKeys, async () => {
      const existing = await SigningKeyStore.readPublished(db);
      if (existing.some((row) => row.state === 'current')) return existing;
      await SigningKeyStore.generate(options);
      return SigningKeyStore.readPublished(db);
    });
    const currentRow = rows.find((row) => row.state === 'current');
    if (currentRow === undefined) throw new Error('no current signing key after generation');
    const jwk = JSON.parse(
      decryptPrivateKey(currentRow.private_key_ciphertext, options.keyEncryptionKey, currentRow.kid).toString('utf8'),
    ) as JWK;
    const privateKey = (await importJWK(jwk, currentRow.alg)) as CryptoKey;
    await audit.record({
      type: AUDIT_EVENTS.keyDecrypted,
      actor: options.actor,
      details: { kid: currentRow.kid, purpose: 'sign' },
    });
    SigningKeyStore.logger.log({ msg: 'signing key decrypted', kid: currentRow.kid, alg: currentRow.alg });
    const published = new Map<string, PublishedKey>();
    for (const row of rows) {
      const publicJwk = typeof row.public_jwk === 'string' ? (JSON.parse(row.public_jwk) as JWK) : row.public_jwk;
      const publicKey = (await importJWK(publicJwk, row.alg)) as CryptoKey;
      published.set(row.kid, { kid: row.kid, alg: row.alg, state: row.state, publicJwk, publicKey });
    }
    return new SigningKeyStore({ kid: currentRow.kid, alg: currentRow.alg, privateKey }, published);
  }

  private static async readPublished(db: Database): Promise<SigningKeyRow[]> {
    return db.query<SigningKeyRow>(
      `SELECT kid, alg, state, public_jwk, private_key_ciphertext FROM signing_keys
        WHERE state = ANY($1::text[]) ORDER BY created_at`,
      [PUBLISHED_KEY_STATES],
    );
  }

  private static async generate(options: SigningKeyStoreOptions): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair(options.algorithm, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    const privateJwk = await exportJWK(privateKey);
    const ciphertext = encryptPrivateKey(
      Buffer.from(JSON.stringify(privateJwk), 'utf8'),
      options.keyEncryptionKey,
      kid,
    );
    const now = new Date(options.clock.now());
    await options.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO signing_keys (kid, alg, state, public_jwk, private_key_ciphertext, created_at, activated_at)
         VALUES ($1, $2, 'current', $3, $4, $5, $5)`,
        [
          kid,
          options.algorithm,
          JSON.stringify({ ...publicJwk, kid, alg: options.algorithm, use: 'sig' }),
          ciphertext,
          now,
        ],
      );
      await options.audit.record(
        {
          type: AUDIT_EVENTS.keyGenerated,
          actor: options.actor,
          details: { kid, alg: options.algorithm, state: 'current' },
        },
        tx,
      );
    });
    SigningKeyStore.logger.log({ msg: 'signing key generated', kid, alg: options.algorithm });
  }

  /** RFC 7517 JWK Set of the published public keys, with `kid`, `alg`, `use: 'sig'`. */
  jwks(): { keys: JWK[] } {
    return {
      keys: [...this.published.values()].map(({ publicJwk, kid, alg }) => ({
        kty: publicJwk.kty,
        crv: publicJwk.crv,
        x: publicJwk.x,
        y: publicJwk.y,
        kid,
        alg,
        use: 'sig',
      })),
    };
  }

  /** Algorithms of the published keys (the verification allow-list). */
  algorithms(): string[] {
    return [...new Set([...this.published.values()].map((k) => k.alg))];
  }

  /** Our published public key with this `kid` and `alg` (the {@link KeyResolver} port of `@app/auth/core`). */
  override async resolve(header: { kid: string; alg: string }): Promise<VerificationKey> {
    const key = this.published.get(header.kid);
    if (key === undefined) throw new KeyNotFoundError(header.kid, 'unknown');
    if (key.alg !== header.alg) throw new KeyNotFoundError(header.kid, 'alg-mismatch');
    return { kid: key.kid, alg: key.alg, key: key.publicKey };
  }
}
