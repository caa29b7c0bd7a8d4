import { Logger } from '@nestjs/common';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { KeyNotFoundError, KeyResolver, type VerificationKey } from '@app/auth/core';
import { PUBLISHED_KEY_STATES, type SigningKeyState } from '@app/events';
import type { Database } from '../storage/database.js';
import type { KeyVault } from './key-vault.js';
import { addSignatureCount, readSigningKeys } from './signing-key.repository.js';

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
  state: SigningKeyState;
  publicJwk: JWK;
  publicKey: CryptoKey;
}

interface Snapshot {
  current: ActiveSigningKey;
  published: ReadonlyMap<string, PublishedKey>;
}

/**
 * This instance's view of the signing keys: the current private key (decrypted once per key, audited) and the
 * published public keys (`next`, `current`, `previous`). {@link reload} reads them again from the database; it runs
 * at start, whenever any instance changes a key (`NOTIFY`) and on the scheduler's tick, so every instance switches
 * to a new current key without a restart and serves the same JWKS. A reload swaps the whole view at once.
 * Signatures are counted per key in memory and added to the table by {@link flushSignatureCounts}.
 *
 * @example
 * const store = new SigningKeyStore(db, vault);
 * await store.reload();
 * const { kid, alg, privateKey } = store.signingKey();
 */
export class SigningKeyStore extends KeyResolver {
  private readonly logger = new Logger(SigningKeyStore.name);
  private snapshot: Snapshot | undefined;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private readonly signatures = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly vault: KeyVault,
  ) {
    super();
  }

  /**
   * The key to sign with now; each call counts one signature for it.
   *
   * @example
   * const signer = store.signingKey();
   * const jwt = await new SignJWT(claims).setProtectedHeader({ alg: signer.alg, kid: signer.kid }).sign(signer.privateKey);
   */
  signingKey(): ActiveSigningKey {
    const { current } = this.view();
    this.signatures.set(current.kid, (this.signatures.get(current.kid) ?? 0) + 1);
    return current;
  }

  /**
   * RFC 7517 JWK Set of the published public keys, each with `kid`, `alg`, `use: 'sig'`: the current key first
   * (for clients that take the first key), then next, then previous.
   */
  jwks(): { keys: JWK[] } {
    const order: readonly SigningKeyState[] = ['current', 'next', 'previous'];
    const keys = [...this.view().published.values()].sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state));
    return {
      keys: keys.map(({ publicJwk, kid, alg }) => ({
        ...publicJwk,
        kid,
        alg,
        use: 'sig',
      })),
    };
  }

  /** The `kid` of the key that signs now; `undefined` before the first {@link reload} succeeded. */
  get currentKid(): string | undefined {
    return this.snapshot?.current.kid;
  }

  /** Algorithms of the published keys (what a verifier must allow). */
  algorithms(): string[] {
    return [...new Set([...this.view().published.values()].map((key) => key.alg))];
  }

  /** Our published public key with this `kid` and `alg` (the {@link KeyResolver} port of `@app/auth/core`). */
  override async resolve(header: { kid: string; alg: string }): Promise<VerificationKey> {
    const key = this.view().published.get(header.kid);
    if (key === undefined) throw new KeyNotFoundError(header.kid, 'unknown');
    if (key.alg !== header.alg) throw new KeyNotFoundError(header.kid, 'alg-mismatch');
    return { kid: key.kid, alg: key.alg, key: key.publicKey };
  }

  /** Reads the published keys again; concurrent calls share one read, and a call during a read gets another. */
  reload(): Promise<void> {
    if (this.reloading !== undefined) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = this.readUntilSettled().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  /** Adds the signatures counted since the last flush to `signing_keys.signature_count`. */
  async flushSignatureCounts(): Promise<void> {
    const counts = [...this.signatures];
    this.signatures.clear();
    for (const [kid, count] of counts) {
      try {
        await addSignatureCount(this.db, kid, count);
      } catch (error) {
        this.signatures.set(kid, (this.signatures.get(kid) ?? 0) + count);
        throw error;
      }
    }
  }

  private view(): Snapshot {
    if (this.snapshot === undefined) throw new Error('SigningKeyStore used before its first reload()');
    return this.snapshot;
  }

  private async readUntilSettled(): Promise<void> {
    do {
      this.reloadAgain = false;
      this.snapshot = await this.read();
    } while (this.reloadAgain);
  }

  private async read(): Promise<Snapshot> {
    const rows = await readSigningKeys(this.db, PUBLISHED_KEY_STATES);
    const published = new Map<string, PublishedKey>();
    for (const row of rows) {
      const known = this.snapshot?.published.get(row.kid);
      const publicKey = known?.publicKey ?? ((await importJWK(row.publicJwk, row.alg)) as CryptoKey);
      published.set(row.kid, { kid: row.kid, alg: row.alg, state: row.state, publicJwk: row.publicJwk, publicKey });
    }
    const currentRow = rows.find((row) => row.state === 'current');
    if (currentRow?.sealed == null) throw new Error('no current signing key with a private part');
    let current = this.snapshot?.current;
    if (current?.kid !== currentRow.kid) {
      current = {
        kid: currentRow.kid,
        alg: currentRow.alg,
        privateKey: await this.vault.open(currentRow.sealed, 'sign'),
      };
      this.logger.log({ msg: 'signing with key', kid: current.kid, alg: current.alg });
    }
    return { current, published };
  }
}
