import { createHash } from 'node:crypto';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { AUDIT_EVENTS, type AuditLog } from '../audit/audit-log.service.js';
import type { SqlExecutor } from '../storage/database.js';
import { decryptPrivateKey, encryptPrivateKey, KeyDecryptionError } from './key-encryption.js';

/** A private key as stored: AES-256-GCM ciphertext and the fingerprint of the key-encryption key that wraps it. */
export interface SealedPrivateKey {
  kid: string;
  alg: string;
  ciphertext: string;
  /** `null` for keys stored before key-encryption-key fingerprints were recorded. */
  kekId: string | null;
}

/** Why a private key is decrypted, for the audit trail. */
export type DecryptionPurpose = 'sign' | 'rewrap';

/**
 * The key-encryption-key ring of the auth service: the current KEK wraps every new private key; the previous one
 * (set while a KEK rotation is under way) is accepted for reading until {@link rewrap} has moved every key to the
 * current one. Every decryption is audited. KEKs are told apart by a fingerprint (a hash of the KEK, never the KEK).
 *
 * @example
 * const vault = new KeyVault({ current: kek, previous: oldKek }, audit, 'auth-service');
 * const ciphertext = vault.seal(privateJwk, kid);
 * const privateKey = await vault.open({ kid, alg, ciphertext, kekId: vault.currentKekId }, 'sign');
 */
export class KeyVault {
  readonly currentKekId: string;
  private readonly keks: Map<string, Buffer>;

  constructor(
    ring: { current: Buffer; previous?: Buffer },
    private readonly audit: AuditLog,
    private readonly actor: string,
  ) {
    this.currentKekId = kekFingerprint(ring.current);
    this.keks = new Map([[this.currentKekId, ring.current]]);
    if (ring.previous !== undefined) this.keks.set(kekFingerprint(ring.previous), ring.previous);
  }

  /** Encrypts a private JWK under the current KEK, bound to its `kid`. */
  seal(privateJwk: JWK, kid: string): string {
    return encryptPrivateKey(Buffer.from(JSON.stringify(privateJwk), 'utf8'), this.kek(this.currentKekId), kid);
  }

  /** Decrypts and imports a private key for its alg; audited (inside `executor`'s transaction when given). */
  async open(sealed: SealedPrivateKey, purpose: DecryptionPurpose, executor?: SqlExecutor): Promise<CryptoKey> {
    const jwk = JSON.parse(this.decrypt(sealed).toString('utf8')) as JWK;
    const key = (await importJWK(jwk, sealed.alg)) as CryptoKey;
    await this.audit.record(
      { type: AUDIT_EVENTS.keyDecrypted, actor: this.actor, details: { kid: sealed.kid, purpose } },
      executor,
    );
    return key;
  }

  /**
   * Re-encrypts every stored private key that is not under the current KEK (same signing keys, new wrapping), in
   * one transaction, audited. Throws a `TypeError` naming the setting when a key is wrapped by a KEK the ring lacks.
   */
  async rewrap(db: { transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> }): Promise<number> {
    return db.transaction(async (tx) => {
      const rows = await tx.query<{ kid: string; alg: string; ciphertext: string; kek_id: string | null }>(
        `SELECT kid, alg, private_key_ciphertext AS ciphertext, kek_id FROM signing_keys
          WHERE private_key_ciphertext IS NOT NULL AND kek_id IS DISTINCT FROM $1 FOR UPDATE`,
        [this.currentKekId],
      );
      for (const row of rows) {
        const plaintext = this.decrypt({ kid: row.kid, alg: row.alg, ciphertext: row.ciphertext, kekId: row.kek_id });
        await this.audit.record(
          { type: AUDIT_EVENTS.keyDecrypted, actor: this.actor, details: { kid: row.kid, purpose: 'rewrap' } },
          tx,
        );
        await tx.query('UPDATE signing_keys SET private_key_ciphertext = $2, kek_id = $3 WHERE kid = $1', [
          row.kid,
          encryptPrivateKey(plaintext, this.kek(this.currentKekId), row.kid),
          this.currentKekId,
        ]);
        await this.audit.record(
          {
            type: AUDIT_EVENTS.keyRewrapped,
            actor: this.actor,
            details: { kid: row.kid, from: row.kek_id, to: this.currentKekId },
          },
          tx,
        );
      }
      return rows.length;
    });
  }

  private decrypt(sealed: SealedPrivateKey): Buffer {
    // Keys stored before fingerprints existed name no KEK: GCM authentication tells which one of the ring fits.
    const candidates = sealed.kekId === null ? [...this.keks.keys()] : [sealed.kekId];
    for (const kekId of candidates) {
      const kek = this.keks.get(kekId);
      if (kek === undefined) break;
      try {
        return decryptPrivateKey(sealed.ciphertext, kek, sealed.kid);
      } catch (error) {
        if (!(error instanceof KeyDecryptionError) || sealed.kekId !== null) throw error;
      }
    }
    throw new TypeError(
      `signing key ${sealed.kid} is wrapped by a key-encryption key that is neither AUTH_KEY_ENCRYPTION_KEY nor ` +
        'AUTH_KEY_ENCRYPTION_KEY_PREVIOUS: set the previous key-encryption key until the re-wrap is done',
    );
  }

  private kek(kekId: string): Buffer {
    const kek = this.keks.get(kekId);
    if (kek === undefined) throw new TypeError(`no key-encryption key ${kekId} in the ring`);
    return kek;
  }
}

/** A non-secret name for a KEK: the first 16 bytes of a domain-separated SHA-256, base64url. */
export function kekFingerprint(kek: Buffer): string {
  return createHash('sha256')
    .update('auth-layer key-encryption key id')
    .update(kek)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}
