import type { JWK } from 'jose';
import type { SigningKeyState } from '@app/events';
import type { SqlExecutor } from '../storage/database.js';
import type { SealedPrivateKey } from './key-vault.js';

/** One row of `signing_keys`, timestamps in epoch milliseconds. */
export interface SigningKeyRecord {
  kid: string;
  alg: string;
  state: SigningKeyState;
  publicJwk: JWK;
  /** `null` once retired or revoked (the private part is erased). */
  sealed: SealedPrivateKey | null;
  createdAt: number;
  activatedAt: number | null;
  deactivatedAt: number | null;
  retiredAt: number | null;
  revokedAt: number | null;
}

interface Row {
  kid: string;
  alg: string;
  state: SigningKeyState;
  public_jwk: JWK | string;
  private_key_ciphertext: string | null;
  kek_id: string | null;
  created_at: Date;
  activated_at: Date | null;
  deactivated_at: Date | null;
  retired_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = `kid, alg, state, public_jwk, private_key_ciphertext, kek_id, created_at, activated_at,
  deactivated_at, retired_at, revoked_at`;

/**
 * Signing keys in the given states, newest first; `forUpdate` locks the rows for the caller's transaction.
 *
 * @example
 * const published = await readSigningKeys(tx, ['next', 'current', 'previous'], { forUpdate: true });
 */
export async function readSigningKeys(
  executor: SqlExecutor,
  states?: readonly SigningKeyState[],
  { forUpdate = false }: { forUpdate?: boolean } = {},
): Promise<SigningKeyRecord[]> {
  const where = states === undefined ? '' : 'WHERE state = ANY($1::text[])';
  const rows = await executor.query<Row>(
    `SELECT ${COLUMNS} FROM signing_keys ${where} ORDER BY created_at DESC, kid${forUpdate ? ' FOR UPDATE' : ''}`,
    states === undefined ? [] : [states],
  );
  return rows.map(toRecord);
}

/**
 * Stores a new key (its private part already sealed) in state `next` or, for the very first key, `current`.
 *
 * @example
 * await insertSigningKey(tx, { kid, alg, state: 'next', publicJwk, ciphertext, kekId }, now);
 */
export async function insertSigningKey(
  tx: SqlExecutor,
  key: { kid: string; alg: string; state: 'next' | 'current'; publicJwk: JWK; ciphertext: string; kekId: string },
  now: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO signing_keys (kid, alg, state, public_jwk, private_key_ciphertext, kek_id, created_at, activated_at)
     VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7 / 1000.0), CASE WHEN $3 = 'current' THEN to_timestamp($7 / 1000.0) END)`,
    [key.kid, key.alg, key.state, JSON.stringify(key.publicJwk), key.ciphertext, key.kekId, now],
  );
}

/**
 * Moves a key to `state`, stamping the matching column; `retired` and `revoked` erase the private part.
 *
 * @example
 * await moveSigningKey(tx, kid, 'previous', now);
 */
export async function moveSigningKey(
  tx: SqlExecutor,
  kid: string,
  state: SigningKeyState,
  now: number,
  reason?: string,
): Promise<void> {
  await tx.query(
    `UPDATE signing_keys SET
       state = $2,
       activated_at = CASE WHEN $2 = 'current' THEN to_timestamp($3 / 1000.0) ELSE activated_at END,
       deactivated_at = CASE WHEN $2 = 'previous' THEN to_timestamp($3 / 1000.0) ELSE deactivated_at END,
       retired_at = CASE WHEN $2 = 'retired' THEN to_timestamp($3 / 1000.0) ELSE retired_at END,
       revoked_at = CASE WHEN $2 = 'revoked' THEN to_timestamp($3 / 1000.0) ELSE revoked_at END,
       revocation_reason = CASE WHEN $2 = 'revoked' THEN $4 ELSE revocation_reason END,
       private_key_ciphertext = CASE WHEN $2 IN ('retired', 'revoked') THEN NULL ELSE private_key_ciphertext END,
       kek_id = CASE WHEN $2 IN ('retired', 'revoked') THEN NULL ELSE kek_id END
     WHERE kid = $1`,
    [kid, state, now, reason ?? null],
  );
}

/**
 * Adds signatures made with a key to its counter.
 *
 * @example
 * await addSignatureCount(db, kid, 42);
 */
export async function addSignatureCount(executor: SqlExecutor, kid: string, count: number): Promise<void> {
  await executor.query('UPDATE signing_keys SET signature_count = signature_count + $2 WHERE kid = $1', [kid, count]);
}

function toRecord(row: Row): SigningKeyRecord {
  const time = (value: Date | null): number | null => (value === null ? null : new Date(value).getTime());
  return {
    kid: row.kid,
    alg: row.alg,
    state: row.state,
    publicJwk: typeof row.public_jwk === 'string' ? (JSON.parse(row.public_jwk) as JWK) : row.public_jwk,
    sealed:
      row.private_key_ciphertext === null
        ? null
        : { kid: row.kid, alg: row.alg, ciphertext: row.private_key_ciphertext, kekId: row.kek_id },
    createdAt: new Date(row.created_at).getTime(),
    activatedAt: time(row.activated_at),
    deactivatedAt: time(row.deactivated_at),
    retiredAt: time(row.retired_at),
    revokedAt: time(row.revoked_at),
  };
}
