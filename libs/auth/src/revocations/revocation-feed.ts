import {
  decodeRevocationEvent,
  EventVerificationError,
  TopicReader,
  type EventLogger,
  type EventRecord,
  type KafkaConnection,
} from '@app/events';
import { decodeJwt } from 'jose';
import { InvalidTokenError } from '../errors/auth.errors.js';
import type { JwksKeyCache } from '../keys/jwks-key-cache.js';
import type { RevocationIndex } from './revocation-index.js';

/** Options of {@link RevocationFeed}. */
export interface RevocationFeedOptions {
  readonly topic: string;
  readonly groupIdPrefix: string;
  /** Expected `iss` of every security event. */
  readonly issuer: string;
  /** This service's audiences: every event must name one of them in `aud`. */
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
  /** Clock in epoch milliseconds. */
  readonly clock: () => number;
}

/** Counters exposed for health and metrics. */
export interface RevocationFeedStats {
  /** Events verified and applied to the index. */
  applied: number;
  /** Records dropped because they did not verify or were malformed (each one logged with its offset). */
  dropped: number;
}

/**
 * Feeds a {@link RevocationIndex} from the revocations topic. Every instance reads the whole topic
 * from the beginning; every record must be a security event, for this service's audience, that verifies
 * against a key of the issuer's key set (refetched when an event is newer than the set and names a key
 * it lacks). A record that is the event's fault is logged with topic/partition/offset, counted and
 * skipped; a transient failure (keys unreachable) is thrown so the reader delivers it again.
 *
 * @example
 * ```ts
 * const feed = new RevocationFeed(connection, options, keyCache, index, logger);
 * await feed.start();
 * await feed.whenCaughtUp();
 * ```
 */
export class RevocationFeed {
  readonly stats: RevocationFeedStats = { applied: 0, dropped: 0 };
  private readonly reader: TopicReader;
  /** The record being handled (delivered again after a transient failure), and when it was first seen. */
  private current: { partition: number; offset: string; firstSeenAt: number } | undefined;

  constructor(
    connection: KafkaConnection,
    private readonly options: RevocationFeedOptions,
    private readonly keys: JwksKeyCache,
    private readonly index: RevocationIndex,
    private readonly logger: EventLogger,
  ) {
    this.reader = new TopicReader(
      connection,
      { topic: options.topic, groupIdPrefix: options.groupIdPrefix, onRecord: (record) => this.handle(record) },
      logger,
    );
  }

  /** True once every record present at start has been read (and the reader is still running). */
  get caughtUp(): boolean {
    return this.reader.caughtUp && this.reader.running;
  }

  start(): Promise<void> {
    return this.reader.start();
  }

  whenCaughtUp(): Promise<void> {
    return this.reader.whenCaughtUp();
  }

  stop(): Promise<void> {
    return this.reader.stop();
  }

  /**
   * When the event says it was signed, in epoch ms, read before verification and used only to decide whether
   * the key set may be too old to know its key; never later than when this service first saw the record, so a
   * forged future `iat` cannot make it refetch more than once.
   */
  private claimedIssuedAt(record: EventRecord): number {
    if (this.current?.partition !== record.partition || this.current.offset !== record.offset) {
      this.current = { partition: record.partition, offset: record.offset, firstSeenAt: this.options.clock() };
    }
    const iat = readUnverifiedIssuedAt(record.value ?? '');
    // iat is whole seconds: the event may have been signed up to the end of that second.
    return iat === undefined ? 0 : Math.min((iat + 1) * 1000, this.current.firstSeenAt);
  }

  private async handle(record: EventRecord): Promise<void> {
    if (record.value === null) {
      return;
    }
    const issuedAt = this.claimedIssuedAt(record);
    try {
      const revocation = await decodeRevocationEvent(record.value, {
        issuer: this.options.issuer,
        audience: this.options.audiences,
        algorithms: this.options.algorithms,
        resolveKey: async (header) => {
          // A key unknown to a key set fetched before this event was signed may just be newly published.
          const key = await this.keys.getKey(header.kid ?? '', { refreshIfFetchedBefore: issuedAt });
          if (key.alg !== header.alg) {
            throw new InvalidTokenError(
              'ERR_TOKEN_ALG_NOT_ALLOWED',
              `Event alg differs from the alg of key ${key.kid}`,
            );
          }
          return key.key;
        },
      });
      const applied = this.index.apply(revocation);
      this.stats.applied += 1;
      this.logger.debug('Revocation applied', {
        eventId: revocation.eventId,
        target: revocation.target.type,
        live: applied,
        partition: record.partition,
        offset: record.offset,
      });
    } catch (error) {
      if (!(error instanceof EventVerificationError || error instanceof InvalidTokenError)) {
        throw error;
      }
      this.stats.dropped += 1;
      this.logger.warn('Dropped a revocation record that does not verify', {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        code: error.code,
        reason: error.message,
      });
    }
  }
}

/** The event's `iat`, unverified (verification comes after): `undefined` when it does not even parse. */
function readUnverifiedIssuedAt(jws: string): number | undefined {
  try {
    const { iat } = decodeJwt(jws);
    return iat;
  } catch {
    return undefined;
  }
}
