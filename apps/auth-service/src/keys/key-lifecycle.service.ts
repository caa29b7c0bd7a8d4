import { Inject, Injectable, Logger } from '@nestjs/common';
import { importJWK, type CryptoKey } from 'jose';
import { AUTH_DEFAULTS } from '@app/auth/core';
import {
  PUBLISHED_KEY_STATES as PUBLISHED,
  type EventSigner,
  type KeyLifecycleEvent,
  type Revocation,
  type SigningKeyState,
} from '@app/events';
import { AUDIT_EVENTS, AuditLog, type AuditEventType } from '../audit/audit-log.service.js';
import { Clock, toNumericDate } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { OutboxSignal } from '../outbox/outbox.signal.js';
import { SecurityEventOutbox } from '../outbox/security-event.outbox.js';
import { listLiveRevocations, upsertRevocation } from '../revocations/revocation.repository.js';
import { longestAcceptanceSeconds } from '../tokens/longest-acceptance.js';
import { ADVISORY_LOCKS, CHANNELS, Database, SCHEMA_LOCK_SPACE, type SqlExecutor } from '../storage/database.js';
import { KeyRotationRefusedError, UnknownSigningKeyError } from './key-lifecycle.errors.js';
import { KeyVault } from './key-vault.js';
import { generateSigningKey, type SigningAlgorithm } from './signing-key.generator.js';
import {
  addSignatureCount,
  insertSigningKey,
  moveSigningKey,
  readSigningKeys,
  type SigningKeyRecord,
} from './signing-key.repository.js';

/** What `GET /admin/keys` lists: never private material. Timestamps ISO 8601 or `null`. */
export interface SigningKeySummary {
  kid: string;
  alg: string;
  state: SigningKeyState;
  createdAt: string;
  activatedAt: string | null;
  /** When it stopped signing (became `previous`). */
  deactivatedAt: string | null;
  /** When it left the JWKS for good. */
  retiredAt: string | null;
  revokedAt: string | null;
}

/** The published keys after a rotation. */
export interface RotationResult {
  current: string;
  next: string;
  previous: string | null;
}

/** A key as a transaction sees it: the stored record, or one generated in this transaction (private key at hand). */
type KeyInChange = SigningKeyRecord & { privateKey?: CryptoKey };

const AUDIT_OF_STATE: Record<SigningKeyState, AuditEventType> = {
  next: AUDIT_EVENTS.keyPublished,
  current: AUDIT_EVENTS.keyActivated,
  previous: AUDIT_EVENTS.keyRetired,
  retired: AUDIT_EVENTS.keyRetired,
  revoked: AUDIT_EVENTS.keyRevoked,
};

/**
 * The signing-key lifecycle `next → current → previous → retired`, and `revoked` from any state (DESIGN "Signing
 * keys"). Every change runs in one transaction under the signing-keys lock, re-reading the state it changes, so
 * among several instances on one database exactly one performs a due rotation (the others find it done); each
 * state change is audited and announced through the outbox (`auth.keys.v1`, signed by the key that is current
 * after the change) and a `NOTIFY` makes every instance reload its keys at once.
 *
 * Timeline: a new key is published as `next` at each rotation, so it is in the JWKS and in every service's key set
 * for a whole rotation interval before it signs (at least `AUTH_KEY_PUBLISH_AHEAD_SECONDS`); the old current key
 * stays published as `previous` until every token it signed has expired (access-token TTL + the largest clock
 * tolerance a verifier may use), then retires and its private part is erased.
 *
 * @example
 * await lifecycle.ensureKeys();
 * const { current, next } = await lifecycle.rotate('admin-cli');
 */
@Injectable()
export class KeyLifecycle {
  private readonly logger = new Logger(KeyLifecycle.name);

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(KeyVault) private readonly vault: KeyVault,
    @Inject(SecurityEventOutbox) private readonly events: SecurityEventOutbox,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(OutboxSignal) private readonly signal: OutboxSignal,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  /** Every key ever created, newest first. */
  async list(): Promise<SigningKeySummary[]> {
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    return (await readSigningKeys(this.db)).map((key) => ({
      kid: key.kid,
      alg: key.alg,
      state: key.state,
      createdAt: new Date(key.createdAt).toISOString(),
      activatedAt: iso(key.activatedAt),
      deactivatedAt: iso(key.deactivatedAt),
      retiredAt: iso(key.retiredAt),
      revokedAt: iso(key.revokedAt),
    }));
  }

  /** First start: a current and a next key; afterwards a next key whenever none is published. Idempotent. */
  async ensureKeys(actor = this.config.kafka.clientId): Promise<void> {
    await this.change(async (tx, keys, now) => {
      let current = keys.find((key) => key.state === 'current');
      const announced: KeyInChange[] = [];
      if (current === undefined) {
        current = await this.create(tx, 'current', this.config.keys.signingAlgorithm, actor, now);
        announced.push(current);
      }
      if (!keys.some((key) => key.state === 'next')) {
        announced.push(await this.create(tx, 'next', this.config.keys.signingAlgorithm, actor, now));
      }
      await this.announce(tx, announced, current, now);
    });
  }

  /**
   * On demand: next → current, current → previous, and a new next key (`alg`, default the configured one). Refused
   * with {@link KeyRotationRefusedError} while the next key is younger than the publish-ahead period.
   */
  async rotate(actor: string, alg: SigningAlgorithm = this.config.keys.signingAlgorithm): Promise<RotationResult> {
    const result = await this.change(async (tx, keys, now) => {
      const next = requireState(keys, 'next');
      const publishedForMs = now - next.createdAt;
      const aheadMs = this.config.keys.publishAheadSeconds * 1000;
      if (publishedForMs < aheadMs) {
        throw new KeyRotationRefusedError(next.kid, Math.ceil((aheadMs - publishedForMs) / 1000));
      }
      return this.promoteNext(tx, keys, alg, actor, now);
    });
    this.logger.log({ msg: 'signing keys rotated', actor, ...result });
    return result;
  }

  /** The scheduler's rotation: when the current key is older than the rotation interval (and the next one ready). */
  async rotateIfDue(): Promise<RotationResult | undefined> {
    // A read without the lock first: most ticks have nothing to do and must not wake every instance.
    if (!this.rotationDue(await readSigningKeys(this.db, PUBLISHED), this.clock.now())) return undefined;
    const result = await this.change(async (tx, keys, now) =>
      this.rotationDue(keys, now)
        ? this.promoteNext(tx, keys, this.config.keys.signingAlgorithm, 'scheduler', now)
        : undefined,
    );
    if (result !== undefined) this.logger.log({ msg: 'signing keys rotated on schedule', ...result });
    return result;
  }

  /** Retires every previous key whose tokens have all expired. Returns their kids. */
  async retireExpired(): Promise<string[]> {
    if (this.expiredPrevious(await readSigningKeys(this.db, PUBLISHED), this.clock.now()).length === 0) return [];
    return this.change(async (tx, keys, now) => {
      const expired = this.expiredPrevious(keys, now);
      for (const key of expired) await this.move(tx, key, 'retired', 'scheduler', now);
      await this.announce(
        tx,
        expired.map((key) => ({ ...key, state: 'retired' as const })),
        requireState(keys, 'current'),
        now,
      );
      return expired.map((key) => key.kid);
    });
  }

  /**
   * Compromise: the key leaves the JWKS at once and every token and event it signed is refused everywhere (a key
   * event on the keys topic and a `kid` revocation on the revocations topic). Revoking the current key promotes the
   * next key first, so a current key always exists. Events that the revoked key signed are signed again by the
   * current key (every published key's state and every live revocation), so a service reading the topics from the
   * beginning loses none of them. Revoking a revoked key changes nothing.
   */
  async revoke(actor: string, kid: string, reason: string): Promise<{ kid: string; state: 'revoked' }> {
    await this.change(async (tx, published, now) => {
      const target = (await readSigningKeys(tx)).find((key) => key.kid === kid);
      if (target === undefined) throw new UnknownSigningKeyError(kid);
      if (target.state === 'revoked') return;
      // First out of its state: one current and one next at most (unique indexes), so its successor can move in.
      await this.move(tx, target, 'revoked', actor, now, reason);
      const keys = await this.replace(tx, published, target, actor, now);
      const signer = requireState(keys, 'current');
      const revocation = await this.recordKeyRevocation(tx, kid, reason, actor, now);
      await this.announce(tx, [{ ...target, state: 'revoked' }, ...keys], signer, now);
      await this.signAgainLiveRevocations(tx, signer, revocation);
    });
    this.logger.warn({ msg: 'signing key revoked', actor, kid });
    return { kid, state: 'revoked' };
  }

  /** Runs a key change in one transaction under the lock, over the published keys as they are now; wakes everyone. */
  private async change<T>(
    work: (tx: SqlExecutor, published: SigningKeyRecord[], now: number) => Promise<T>,
  ): Promise<T> {
    const result = await this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_SPACE}, $1)`, [ADVISORY_LOCKS.signingKeys]);
      const published = await readSigningKeys(tx, PUBLISHED, { forUpdate: true });
      const outcome = await work(tx, published, this.clock.now());
      await tx.query('SELECT pg_notify($1, NULL)', [CHANNELS.keys]);
      return outcome;
    });
    this.signal.notify();
    return result;
  }

  /** next → current, current → previous, a new next; announced, signed by the new current key. */
  private async promoteNext(
    tx: SqlExecutor,
    keys: SigningKeyRecord[],
    alg: SigningAlgorithm,
    actor: string,
    now: number,
  ): Promise<RotationResult> {
    const current = requireState(keys, 'current');
    const next = requireState(keys, 'next');
    // In this order: one current and one next at most (unique indexes).
    await this.move(tx, current, 'previous', actor, now);
    await this.move(tx, next, 'current', actor, now);
    const newNext = await this.create(tx, 'next', alg, actor, now);
    const promoted = { ...next, state: 'current' as const };
    await this.announce(tx, [promoted, newNext, { ...current, state: 'previous' }], promoted, now);
    return { current: next.kid, next: newNext.kid, previous: current.kid };
  }

  private rotationDue(keys: readonly SigningKeyRecord[], now: number): boolean {
    const current = keys.find((key) => key.state === 'current');
    const next = keys.find((key) => key.state === 'next');
    if (current === undefined || next === undefined) return false;
    const due = (current.activatedAt ?? current.createdAt) + this.config.keys.rotationIntervalSeconds * 1000 <= now;
    return due && next.createdAt + this.config.keys.publishAheadSeconds * 1000 <= now;
  }

  private expiredPrevious(keys: readonly SigningKeyRecord[], now: number): SigningKeyRecord[] {
    const retireAfterMs = longestAcceptanceSeconds(this.config.accessTokenTtlSeconds) * 1000;
    return keys.filter((key) => key.state === 'previous' && (key.deactivatedAt ?? now) + retireAfterMs <= now);
  }

  /**
   * The published keys once `target` is revoked: a revoked current key is succeeded by the next key, and a new next
   * key is created whenever the next slot empties, so a current and a next key always exist.
   */
  private async replace(
    tx: SqlExecutor,
    published: SigningKeyRecord[],
    target: SigningKeyRecord,
    actor: string,
    now: number,
  ): Promise<KeyInChange[]> {
    const others: KeyInChange[] = published.filter((key) => key.kid !== target.kid);
    if (target.state !== 'current' && target.state !== 'next') return others;
    const alg = this.config.keys.signingAlgorithm;
    if (target.state === 'next') return [...others, await this.create(tx, 'next', alg, actor, now)];
    const next = requireState(others, 'next');
    await this.move(tx, next, 'current', actor, now);
    const newNext = await this.create(tx, 'next', alg, actor, now);
    return [...others.filter((key) => key.kid !== next.kid), { ...next, state: 'current' }, newNext];
  }

  private async create(
    tx: SqlExecutor,
    state: 'next' | 'current',
    alg: SigningAlgorithm,
    actor: string,
    now: number,
  ): Promise<KeyInChange> {
    const generated = await generateSigningKey(alg);
    const ciphertext = this.vault.seal(generated.privateJwk, generated.kid);
    await insertSigningKey(
      tx,
      { kid: generated.kid, alg, state, publicJwk: generated.publicJwk, ciphertext, kekId: this.vault.currentKekId },
      now,
    );
    await this.audit.record({ type: AUDIT_EVENTS.keyCreated, actor, details: { kid: generated.kid, alg } }, tx);
    await this.audit.record({ type: AUDIT_OF_STATE[state], actor, details: { kid: generated.kid, state } }, tx);
    return {
      kid: generated.kid,
      alg,
      state,
      publicJwk: generated.publicJwk,
      sealed: { kid: generated.kid, alg, ciphertext, kekId: this.vault.currentKekId },
      createdAt: now,
      activatedAt: state === 'current' ? now : null,
      deactivatedAt: null,
      retiredAt: null,
      revokedAt: null,
      privateKey: (await importJWK(generated.privateJwk, alg)) as CryptoKey,
    };
  }

  private async move(
    tx: SqlExecutor,
    key: SigningKeyRecord,
    state: SigningKeyState,
    actor: string,
    now: number,
    reason?: string,
  ): Promise<void> {
    await moveSigningKey(tx, key.kid, state, now, reason);
    await this.audit.record(
      { type: AUDIT_OF_STATE[state], actor, details: { kid: key.kid, from: key.state, state, reason } },
      tx,
    );
  }

  /** One key event per key, on the keys topic, signed by `signer` (the key that is current after the change). */
  private async announce(
    tx: SqlExecutor,
    keys: readonly KeyInChange[],
    signer: KeyInChange,
    now: number,
  ): Promise<void> {
    if (keys.length === 0) return;
    const eventSigner = await this.signerOf(signer, tx);
    for (const key of keys) {
      const event: KeyLifecycleEvent = {
        kid: key.kid,
        alg: key.alg,
        state: key.state,
        jwk: publicPart(key),
        at: toNumericDate(now),
      };
      await this.events.enqueueKeyEvent(tx, event, eventSigner);
    }
    // These signatures bypass the store's counter (the key is opened here), so they are counted in this transaction.
    await addSignatureCount(tx, signer.kid, keys.length);
  }

  private async signerOf(key: KeyInChange, tx: SqlExecutor): Promise<EventSigner> {
    if (key.privateKey !== undefined) return { kid: key.kid, alg: key.alg, privateKey: key.privateKey };
    if (key.sealed === null) throw new TypeError(`signing key ${key.kid} has no private part`);
    return { kid: key.kid, alg: key.alg, privateKey: await this.vault.open(key.sealed, 'sign', tx) };
  }

  /** The `kid` revocation: until every token the key can have signed has expired. */
  private async recordKeyRevocation(
    tx: SqlExecutor,
    kid: string,
    reason: string,
    actor: string,
    now: number,
  ): Promise<Revocation> {
    const revokedAt = toNumericDate(now);
    const revocation: Revocation = {
      target: { type: 'kid', value: kid },
      revokedAt,
      expiresAt: revokedAt + this.config.accessTokenTtlSeconds,
      reason,
    };
    await upsertRevocation(tx, revocation, actor);
    return revocation;
  }

  /**
   * Every revocation still in force somewhere, signed again (same record key: compaction keeps only the new record).
   * Verifiers keep an entry until its expiry plus their clock tolerance (tokens pass until `exp` + tolerance), so one
   * that expired less than the largest tolerance ago still matters and must not be left signed by the revoked key.
   */
  private async signAgainLiveRevocations(
    tx: SqlExecutor,
    signer: KeyInChange,
    keyRevocation: Revocation,
  ): Promise<void> {
    const eventSigner = await this.signerOf(signer, tx);
    const live = await listLiveRevocations(
      tx,
      toNumericDate(this.clock.now()) - AUTH_DEFAULTS.maxClockToleranceSeconds,
    );
    const others = live.filter((r) => !(r.target.type === 'kid' && r.target.value === keyRevocation.target.value));
    for (const revocation of [keyRevocation, ...others]) {
      await this.events.enqueueRevocation(tx, revocation, eventSigner);
    }
    await addSignatureCount(tx, signer.kid, others.length + 1);
  }
}

function requireState(keys: readonly KeyInChange[], state: 'current' | 'next'): KeyInChange {
  const key = keys.find((candidate) => candidate.state === state);
  if (key === undefined) throw new Error(`no ${state} signing key: the key table is inconsistent`);
  return key;
}

/** The public JWK without usage hints (the event says what the key is for). */
function publicPart(key: SigningKeyRecord): KeyLifecycleEvent['jwk'] {
  const { use: _use, key_ops: _keyOps, ...jwk } = key.publicJwk;
  return jwk;
}
