import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { describeError, epochNowMs, ThrottledWarnings, topicSpecs } from '@app/events';
import { EventProducer, KafkaConnection, describeTopics, ensureTopics } from '@app/events/kafka';
import { toEventLogger } from '@app/auth';
import { Clock } from '../common/clock.js';
import { AuthServiceEvents } from '../observability/auth-service.events.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { ADVISORY_LOCKS, CHANNELS, Database, type AdvisoryLock, type Listener } from '../storage/database.js';
import { HeartbeatPublisher } from './heartbeat.publisher.js';
import { markOutboxSent, readUnsentOutbox, type OutboxRecord, type UnsentOutboxRecord } from './outbox.repository.js';
import { OutboxAcks } from './outbox.acks.js';
import { OutboxSignal } from './outbox.signal.js';
import { RevocationSnapshotPublisher } from './revocation-snapshot.publisher.js';
import { checkTopicConfigs, minRevocationRetentionMs, TopicConfigError } from './topic-config.check.js';

/** Longest time shutdown waits for an in-flight Kafka call before closing the producer anyway. */
const STOP_TIMEOUT_MS = 10_000;

type StepResult = 'drained' | 'more' | 'standby';

/**
 * Splits a batch into runs of consecutive records with the same topic, keeping the id order.
 *
 * @example
 * groupByTopicRuns([{ topic: 'a', ... }, { topic: 'a', ... }, { topic: 'b', ... }]); // [[a, a], [b]]
 */
export function groupByTopicRuns<Row extends OutboxRecord>(records: readonly Row[]): Row[][] {
  const runs: Row[][] = [];
  for (const record of records) {
    const last = runs.at(-1);
    if (last !== undefined && last[0].topic === record.topic) last.push(record);
    else runs.push([record]);
  }
  return runs;
}

/**
 * Publishes the outbox to Kafka: ensures the topics and checks their configs ({@link checkTopicConfigs}), then
 * sends unsent rows in id order in batches and marks them sent. Topics whose settings would lose events make the
 * start fail ({@link TopicConfigError}); found later (Kafka was down at start), nothing is published into them and
 * the check is retried like any failure. Woken right after each commit ({@link OutboxSignal}) with a poll interval
 * as fallback. On any failure the rows stay, the error is logged (no record contents) and the step is retried
 * with exponential backoff (100 ms doubling to 1 s, forever: a broker that is back is used within about a second;
 * one warning a minute while it fails, the rest at debug). Only the instance holding the relay advisory lock publishes,
 * so order holds with several instances. Delivery is at least once (a crash between send and mark re-sends;
 * records are keyed and idempotent for consumers). Once a step finds the outbox drained, the lock holder sends the
 * due heartbeat ({@link HeartbeatPublisher}) through the same producer, and sleeps no longer than until the next one
 * is due.
 *
 * @example
 * // started by Nest on module init; a writer wakes it after committing:
 * await db.transaction(...); signal.notify();
 */
@Injectable()
export class OutboxRelay implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(OutboxRelay.name);
  /** Every retry fails while Kafka is away: one warning a minute, the others at debug. */
  private readonly failures = new ThrottledWarnings(toEventLogger(this.logger));
  private readonly stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private connection: KafkaConnection | undefined;
  private producer: EventProducer | undefined;
  private topicsReady = false;
  private lock: AdvisoryLock | null = null;
  private listener: Listener | undefined;
  private markReady: () => void = () => undefined;
  private readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));
  private markMisconfigured: (error: TopicConfigError) => void = () => undefined;
  private readonly misconfigured = new Promise<TopicConfigError>((resolve) => (this.markMisconfigured = resolve));

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
    @Inject(OutboxSignal) private readonly signal: OutboxSignal,
    @Inject(HeartbeatPublisher) private readonly heartbeats: HeartbeatPublisher,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AuthServiceEvents) private readonly events: AuthServiceEvents,
    @Inject(OutboxAcks) private readonly acks: OutboxAcks,
    @Inject(RevocationSnapshotPublisher) private readonly snapshots: RevocationSnapshotPublisher,
  ) {}

  /**
   * For readiness: whether this instance publishes (`active`: holds the relay lock), has checked the topics, and
   * holds a connected producer. A standby instance has no producer: the active one publishes.
   */
  status(): { enabled: boolean; topicsReady: boolean; active: boolean; connected: boolean } {
    return {
      enabled: this.config.outbox.relayEnabled,
      topicsReady: this.topicsReady,
      active: this.lock?.held === true,
      connected: this.producer !== undefined,
    };
  }

  /**
   * Starts the relay and waits (at most `outbox.startupWaitMs`) until the topics exist, so services started after
   * this one find them. Kafka being down does not block start-up; topics with settings that would lose events
   * make it fail with {@link TopicConfigError}.
   */
  async onModuleInit(): Promise<void> {
    if (!this.config.outbox.relayEnabled) {
      this.logger.warn({ msg: 'outbox relay disabled (AUTH_OUTBOX_RELAY_ENABLED=false): events stay in the outbox' });
      return;
    }
    this.loop = this.run();
    const { startupWaitMs } = this.config.outbox;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), startupWaitMs)));
    const outcome = await Promise.race([this.ready.then(() => 'ready' as const), this.misconfigured, timedOut]);
    clearTimeout(timer);
    if (outcome instanceof TopicConfigError) {
      await this.onModuleDestroy();
      throw outcome;
    }
    if (outcome === 'late')
      this.logger.warn({
        msg: 'Kafka not ready at start-up; starting anyway, the outbox relay keeps retrying',
        waitedMs: startupWaitMs,
      });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopController.abort();
    this.signal.notify();
    if (this.loop !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS)));
      await Promise.race([this.loop, timeout]);
      clearTimeout(timer);
    }
    await this.closeProducer();
    await this.releaseLock();
    await this.stopListening();
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    const { minBackoffMs, maxBackoffMs, pollIntervalMs } = this.config.outbox;
    let backoff = minBackoffMs;
    while (!this.stopped) {
      try {
        const result = await this.step();
        backoff = minBackoffMs;
        if (result === 'more') continue;
        const heartbeatDueInMs = result === 'standby' ? pollIntervalMs : this.heartbeats.dueInMs(this.clock.now());
        await this.signal.wait(Math.min(pollIntervalMs, heartbeatDueInMs));
      } catch (error) {
        if (error instanceof TopicConfigError) {
          this.markMisconfigured(error);
          this.failures.error('Kafka topics would lose events; nothing is published until they are fixed', {
            error: describeError(error),
            retryInMs: backoff,
          });
        } else {
          this.failures.warn('outbox relay step failed; rows kept, retrying', {
            error: describeError(error),
            retryInMs: backoff,
          });
        }
        await this.closeProducer();
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, maxBackoffMs);
      }
    }
  }

  private async step(): Promise<StepResult> {
    await this.listenForCommits();
    await this.ensureTopicsOnce();
    if (!(await this.holdLock())) return 'standby';
    const producer = await this.readyProducer();
    const { batchSize } = this.config.outbox;
    // Taken before the read: a heartbeat stamped with it follows every row committed before it.
    const readAt = this.clock.now();
    const batch = await readUnsentOutbox(this.db, batchSize);
    const batchReadAt = epochNowMs();
    for (const run of groupByTopicRuns(batch)) {
      if (this.stopped) return 'drained';
      const started = performance.now();
      await producer.send(
        run[0].topic,
        run.map(({ key, value }) => ({ key, value })),
      );
      this.published(run, batchReadAt);
      await markOutboxSent(
        this.db,
        run.map((r) => r.id),
      );
      this.logger.log({
        msg: 'outbox records published',
        topic: run[0].topic,
        count: run.length,
        firstId: run[0].id,
        lastId: run.at(-1)!.id,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    }
    if (batch.length === batchSize) return 'more';
    // A snapshot is followed by a heartbeat at once: a consumer starting where it ends is fresh without waiting.
    const snapshotted = await this.snapshots.publishIfDue(producer, this.kafkaConnection());
    await this.heartbeats.sendIfDue(producer, readAt, snapshotted);
    return 'drained';
  }

  /** The requests waiting for these rows answer now ({@link OutboxAcks}); observers learn the run's timings. */
  private published(run: readonly UnsentOutboxRecord[], readAt: number): void {
    const stages = { readAt, ackedAt: epochNowMs() };
    const ids = run.map((r) => r.id);
    this.acks.acked(ids);
    this.events.emit('outbox.published', {
      topic: run[0].topic,
      createdAt: run.map((r) => r.createdAtMs),
      ackedAt: this.clock.now(),
      records: run.map(({ id, key }) => ({ id, key })),
      stages,
    });
  }

  /**
   * Commits of other instances wake us through Postgres NOTIFY; our own also through the in-process signal.
   * Only an optimisation: when LISTEN cannot be set up, the relay publishes on its poll and tries again next step.
   */
  private async listenForCommits(): Promise<void> {
    if (this.listener !== undefined) return;
    this.listener = await this.db
      .listen(
        CHANNELS.outbox,
        () => this.signal.notify(),
        (error) => {
          this.logger.warn({
            msg: 'outbox LISTEN connection lost; polling until it is back',
            error: describeError(error),
          });
          this.listener = undefined;
          this.signal.notify();
        },
      )
      .catch((error: unknown) => {
        this.logger.warn({ msg: 'outbox LISTEN not available; polling', error: describeError(error) });
        return undefined;
      });
  }

  private async stopListening(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await listener
      ?.close()
      .catch((error: unknown) =>
        this.logger.warn({ msg: 'closing the outbox LISTEN connection failed', error: describeError(error) }),
      );
  }

  private async holdLock(): Promise<boolean> {
    if (this.lock?.held === true) return true;
    if (this.lock !== null) await this.releaseLock();
    this.lock = await this.db.tryAdvisoryLock(ADVISORY_LOCKS.outboxRelay);
    if (this.lock !== null) this.logger.log({ msg: 'outbox relay active (holds the relay lock)' });
    return this.lock !== null;
  }

  private kafkaConnection(): KafkaConnection {
    const { brokers, clientId, ssl, sasl } = this.config.kafka;
    this.connection ??= new KafkaConnection({ brokers, clientId, ssl, sasl }, toEventLogger(new Logger('Kafka')));
    return this.connection;
  }

  /**
   * Every instance (relay holder or standby) makes sure the topics exist and have settings that keep every event
   * as long as it matters (existing topics are never altered); start-up waits for this.
   */
  private async ensureTopicsOnce(): Promise<void> {
    if (this.topicsReady) return;
    const { revocationRetentionMs, revocationsTopic, keysTopic, revocationSnapshotsTopic } = this.config.kafka;
    const connection = this.kafkaConnection();
    await ensureTopics(
      connection,
      topicSpecs({ revocationRetentionMs, revocationsTopic, keysTopic, revocationSnapshotsTopic }),
    );
    const described = await describeTopics(connection, [revocationsTopic, keysTopic, revocationSnapshotsTopic], {
      configs: 'effective',
    });
    const mismatches = checkTopicConfigs(described, {
      revocationsTopic,
      keysTopic,
      revocationSnapshotsTopic,
      minRevocationRetentionMs: minRevocationRetentionMs(this.config.accessTokenTtlSeconds),
    });
    if (mismatches.length > 0) throw new TopicConfigError(mismatches);
    this.topicsReady = true;
    this.markReady();
  }

  private async readyProducer(): Promise<EventProducer> {
    if (this.producer === undefined) {
      const producer = new EventProducer(this.kafkaConnection());
      const { revocationsTopic, keysTopic } = this.config.kafka;
      // Warm: the first revocation after start costs one produce round trip, like every later one.
      await producer.connect({ topics: [revocationsTopic, keysTopic] });
      this.producer = producer;
      this.logger.log({ msg: 'outbox relay connected to Kafka', brokers: this.config.kafka.brokers });
    }
    return this.producer;
  }

  private async closeProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer === undefined) return;
    await producer
      .disconnect()
      .catch((error: unknown) =>
        this.logger.warn({ msg: 'Kafka producer disconnect failed', error: describeError(error) }),
      );
  }

  private async releaseLock(): Promise<void> {
    const lock = this.lock;
    this.lock = null;
    if (lock === null) return;
    await lock
      .release()
      .catch((error: unknown) =>
        this.logger.warn({ msg: 'releasing the outbox relay lock failed', error: describeError(error) }),
      );
  }

  private async sleep(ms: number): Promise<void> {
    if (this.stopped) return;
    await new Promise<void>((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.stopController.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.stopController.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
