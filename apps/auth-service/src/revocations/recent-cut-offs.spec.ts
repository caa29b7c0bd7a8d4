import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Revocation } from '@app/events';
import { SystemClock, toNumericDate } from '../common/clock.js';
import { CHANNEL_WATCH_BACKOFF_MS } from '../storage/channel-watch.js';
import { RECENT_CUT_OFFS_WINDOW_SECONDS, RecentCutOffs } from './recent-cut-offs.js';
import { upsertRevocation } from './revocation.repository.js';
import { ObservedDatabase } from '../../../../test/support/observed-database.js';
import { specBackends, type SpecDatabases } from '../../../../test/support/spec-databases.js';
import { waitFor } from '../../../../test/support/wait-for.js';

const RELOAD = /FROM revocations WHERE target_type IN/;
/** Bounded wait for a notification to reach the listener: milliseconds in practice. */
const NOTIFIED_WITHIN_MS = 5_000;

describe.each(specBackends())('RecentCutOffs on %s', (_kind, open) => {
  const clock = new SystemClock();
  let dbs: SpecDatabases;
  let db: ObservedDatabase;
  let recent: RecentCutOffs;

  beforeAll(async () => {
    dbs = await open();
    db = new ObservedDatabase(dbs.db);
  });

  afterEach(async () => {
    await recent?.onApplicationShutdown();
  });

  afterAll(async () => {
    await dbs?.close();
  });

  async function started(): Promise<RecentCutOffs> {
    recent = new RecentCutOffs(db, clock);
    await recent.onApplicationBootstrap();
    return recent;
  }

  const nowS = (): number => toNumericDate(clock.now());

  const subjectCutOff = (value = `user-${randomUUID()}`, revokedAt = nowS()): Revocation => ({
    target: { type: 'sub', value },
    revokedAt,
    expiresAt: revokedAt + 300,
  });

  /** Writes `revocation` as another instance does: its own connection, its own transaction (NOTIFY at commit). */
  const writeElsewhere = (revocation: Revocation) =>
    dbs.otherInstance.transaction((tx) => upsertRevocation(tx, revocation, 'spec'));

  const latestOf = (revocation: Revocation): number | undefined =>
    recent.latest([revocation.target as { type: 'sub' | 'client'; value: string }], nowS() - 60);

  const seen = (revocation: Revocation) =>
    waitFor('the cut-off to be seen', () => (latestOf(revocation) === revocation.revokedAt ? true : undefined), {
      timeoutMs: NOTIFIED_WITHIN_MS,
    });

  it('is not live until it listens and has read the window, which it reads once', async () => {
    const before = subjectCutOff();
    await writeElsewhere(before);
    recent = new RecentCutOffs(db, clock);
    expect(recent.live).toBe(false);
    const reloads = db.count(RELOAD);
    await recent.onApplicationBootstrap();
    expect(recent.live).toBe(true);
    expect(db.count(RELOAD) - reloads).toBe(1);
    expect(latestOf(before)).toBe(before.revokedAt);
  });

  it('sees a cut-off written by another instance once its NOTIFY arrives, with one read per notification', async () => {
    await started();
    const reloads = db.count(RELOAD);
    const cutOff = subjectCutOff();
    await writeElsewhere(cutOff);
    await seen(cutOff);
    for (let n = 0; n < 20; n += 1) latestOf(cutOff);
    expect(db.count(RELOAD) - reloads).toBe(1);
  });

  it('answers the latest cut-off of the targets at or after the second asked for, client cut-offs too', async () => {
    await started();
    const userId = `user-${randomUUID()}`;
    const clientId = `client-${randomUUID()}`;
    const now = nowS();
    await writeElsewhere(subjectCutOff(userId, now - 2));
    const client: Revocation = { target: { type: 'client', value: clientId }, revokedAt: now, expiresAt: now + 300 };
    await writeElsewhere(client);
    await seen(client);
    const targets = [
      { type: 'sub', value: userId },
      { type: 'client', value: clientId },
    ] as const;
    expect(recent.latest(targets, now - 5)).toBe(now);
    expect(recent.latest([targets[0]], now - 5)).toBe(now - 2);
    expect(recent.latest([targets[0]], now)).toBeUndefined();
    expect(recent.latest([{ type: 'sub', value: clientId }], now - 5)).toBeUndefined();
  });

  it('counts a cut-off noted by this instance at once, and keeps it through a read that does not have it yet', async () => {
    await started();
    const noted = subjectCutOff();
    recent.note(noted);
    expect(latestOf(noted)).toBe(noted.revokedAt);
    // A token revocation is not a cut-off.
    recent.note({ target: { type: 'jti', value: noted.target.value }, revokedAt: nowS(), expiresAt: nowS() + 300 });
    const other = subjectCutOff();
    await writeElsewhere(other);
    await seen(other);
    expect(latestOf(noted)).toBe(noted.revokedAt);
  });

  it('reads once more after a read, however many notifications came during it', async () => {
    await started();
    const held = db.holdAnswer(RELOAD);
    const reloads = db.count(RELOAD);
    await writeElsewhere(subjectCutOff());
    await held.reached;
    const delivered = db.notificationsDelivered;
    const during = [subjectCutOff(), subjectCutOff(), subjectCutOff()];
    for (const cutOff of during) await writeElsewhere(cutOff);
    await waitFor(
      'the notifications to arrive',
      () => (db.notificationsDelivered >= delivered + 3 ? true : undefined),
      {
        timeoutMs: NOTIFIED_WITHIN_MS,
      },
    );
    held.release();
    for (const cutOff of during) await seen(cutOff);
    expect(db.count(RELOAD) - reloads).toBe(2);
  });

  it('is not live while its LISTEN is lost, and live again once it listens and has read again', async () => {
    await started();
    db.refuseListen(new Error('no LISTEN (spec)'));
    db.loseListeners();
    expect(recent.live).toBe(false);
    const missed = subjectCutOff();
    await writeElsewhere(missed);
    const attempts = db.listenAttempts;
    await waitFor('a refused retry', () => (db.listenAttempts > attempts ? true : undefined), {
      timeoutMs: CHANNEL_WATCH_BACKOFF_MS.max * 3,
    });
    expect(recent.live).toBe(false);
    db.refuseListen(undefined);
    await waitFor('live again', () => (recent.live ? true : undefined), {
      timeoutMs: CHANNEL_WATCH_BACKOFF_MS.max * 3,
    });
    expect(latestOf(missed)).toBe(missed.revokedAt);
  });

  it(`reads only the last ${RECENT_CUT_OFFS_WINDOW_SECONDS} seconds`, async () => {
    const old = subjectCutOff(undefined, nowS() - RECENT_CUT_OFFS_WINDOW_SECONDS - 5);
    await writeElsewhere(old);
    await started();
    expect(recent.latest([old.target as { type: 'sub'; value: string }], 0)).toBeUndefined();
  });
});
