import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import { decodeJwt } from 'jose';
import pg from 'pg';
import {
  callWithToken,
  CLIENTS,
  introspect,
  passwordLogin,
  refreshGrant,
  revokeToken,
  type SessionTokenResponse,
} from './support/oauth-client.js';
import { msUntilRevoked, summarizeLatencies } from './support/propagation.js';
import { startAuthService, startStack, uniqueKafkaSetup, type RunningService, type Stack } from './support/services.js';
import { waitFor } from './support/wait-for.js';

const ROUNDS = 20;
const GRACE_SECONDS = 10;

let stack: Stack;
let auth: Stack['auth'];
let ordersUrl: string;
let billingUrl: string;

beforeAll(async () => {
  stack = await startStack(process.env.KAFKA_BROKERS!);
  auth = stack.auth;
  ordersUrl = `${stack.orders.url}/orders`;
  billingUrl = `${stack.billing.url}/invoices`;
});

afterAll(async () => {
  await stack?.close();
});

const sidOf = (accessToken: string): string => String(decodeJwt(accessToken)['sid']);

/** A session whose first refresh token has been rotated once: the legitimate client holds `current`. */
async function rotatedSession(
  authUrl: string,
): Promise<{ stolen: SessionTokenResponse; current: SessionTokenResponse }> {
  const stolen = await passwordLogin(authUrl, 'orders:read billing:read');
  const { status, body } = await refreshGrant(authUrl, stolen.refresh_token!);
  expect(status).toBe(200);
  return { stolen, current: body as unknown as SessionTokenResponse };
}

async function expectAcceptedAtBoth(accessToken: string): Promise<void> {
  expect((await callWithToken(ordersUrl, accessToken)).status).toBe(200);
  expect((await callWithToken(billingUrl, accessToken)).status).toBe(200);
}

/**
 * Sends `count` refreshes with one refresh token at once. On the real Postgres they truly collide: a connection of the
 * test holds the session row until every one of them waits on it (each has read the token as live by then), then
 * lets go. The embedded database runs one transaction at a time, so there they are simply sent together.
 */
async function raceRefreshes(
  service: RunningService & { config: Stack['auth']['config'] },
  sid: string,
  refreshToken: string,
  count = 2,
): Promise<{ status: number; body: Record<string, unknown> }[]> {
  const send = () => Array.from({ length: count }, () => refreshGrant(service.url, refreshToken));
  const { url, schema } = service.config.database;
  if (url === undefined) return Promise.all(send());
  const holder = new pg.Client({ connectionString: url });
  // Activity views are a snapshot per transaction: the holder, inside one, would never see the others arrive.
  const observer = new pg.Client({ connectionString: url });
  await Promise.all([holder.connect(), observer.connect()]);
  try {
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM "${schema}".sessions WHERE sid = $1 FOR UPDATE`, [sid]);
    const { pid } = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
    const answers = send();
    // The first waits on the holder, each next one on the row lock of the one before it.
    await waitFor(`${count} refreshes to wait on the session row`, async () => {
      const { rows } = await observer.query<{ n: number }>(
        `WITH RECURSIVE waiting (pid) AS (
           SELECT pid FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))
           UNION
           SELECT a.pid FROM pg_stat_activity a JOIN waiting w ON w.pid = ANY (pg_blocking_pids(a.pid))
         ) SELECT count(*)::int AS n FROM waiting`,
        [pid],
      );
      return rows[0]!.n === count ? true : undefined;
    });
    await holder.query('COMMIT');
    return await Promise.all(answers);
  } finally {
    await Promise.all([holder.end(), observer.end()]);
  }
}

describe('refresh-token reuse, end to end', () => {
  it('revokes the session when the old refresh token is replayed: both refresh tokens dead, its access tokens refused at both services', async () => {
    const { stolen, current } = await rotatedSession(auth.url);
    await expectAcceptedAtBoth(stolen.access_token);
    await expectAcceptedAtBoth(current.access_token);
    expect(decodeJwt(current.access_token)).toMatchObject({
      sid: sidOf(stolen.access_token),
      auth_time: decodeJwt(stolen.access_token)['auth_time'],
    });

    const replay = await refreshGrant(auth.url, stolen.refresh_token!);
    expect(replay).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'invalid refresh token' },
    });
    const since = performance.now();
    for (const accessToken of [current.access_token, stolen.access_token]) {
      await Promise.all([ordersUrl, billingUrl].map((url) => msUntilRevoked(url, accessToken, since)));
    }
    expect((await refreshGrant(auth.url, current.refresh_token!)).body.error).toBe('invalid_grant');
    for (const token of [current.access_token, current.refresh_token!, stolen.refresh_token!]) {
      expect(await introspect(auth.url, CLIENTS.demo, token)).toEqual({ active: false });
    }
  });
});

describe('two concurrent refreshes with one refresh token', () => {
  it('without grace: one succeeds, the other is taken for theft and the session ends', async () => {
    const login = await passwordLogin(auth.url, 'orders:read');
    const sid = sidOf(login.access_token);
    const answers = await raceRefreshes(auth, sid, login.refresh_token!);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
    expect(answers.find((a) => a.status === 400)!.body.error).toBe('invalid_grant');
    const winner = answers.find((a) => a.status === 200)!.body as unknown as SessionTokenResponse;
    expect((await refreshGrant(auth.url, winner.refresh_token!)).body.error).toBe('invalid_grant');
    await msUntilRevoked(ordersUrl, winner.access_token, performance.now());
  });

  describe(`with a grace of ${GRACE_SECONDS} s`, () => {
    let graceful: Awaited<ReturnType<typeof startAuthService>>;

    beforeAll(async () => {
      graceful = await startAuthService(uniqueKafkaSetup(process.env.KAFKA_BROKERS!), {
        AUTH_REFRESH_TOKEN_REUSE_GRACE_SECONDS: String(GRACE_SECONDS),
      });
    });

    afterAll(async () => {
      await graceful?.close();
    });

    it('both succeed, one refresh token stays alive, and the session goes on; a third use is theft', async () => {
      const login = await passwordLogin(graceful.url, 'orders:read');
      const sid = sidOf(login.access_token);
      const answers = await raceRefreshes(graceful, sid, login.refresh_token!);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      for (const { body } of answers) expect(sidOf(String(body.access_token))).toBe(sid);
      const refreshTokens = answers.flatMap(({ body }) =>
        typeof body.refresh_token === 'string' ? [body.refresh_token] : [],
      );
      expect(refreshTokens).toHaveLength(1);
      const next = await refreshGrant(graceful.url, refreshTokens[0]!);
      expect(next.status).toBe(200);
      expect(await introspect(graceful.url, CLIENTS.demo, String(next.body.refresh_token))).toMatchObject({
        active: true,
        sid,
      });
      expect((await refreshGrant(graceful.url, login.refresh_token!)).body.error).toBe('invalid_grant');
      expect(await introspect(graceful.url, CLIENTS.demo, String(next.body.refresh_token))).toEqual({ active: false });
    });
  });
});

describe('propagation of session revocations', () => {
  /** Runs `ROUNDS` times: revoke a session somehow, then time the first 401 of `victim` at both services. */
  async function measure(revoke: () => Promise<string>): Promise<Record<string, number[]>> {
    const latencies = { orders: [] as number[], billing: [] as number[] };
    for (let round = 0; round < ROUNDS; round += 1) {
      const victim = await revoke();
      const since = performance.now();
      const [atOrders, atBilling] = await Promise.all([
        msUntilRevoked(ordersUrl, victim, since),
        msUntilRevoked(billingUrl, victim, since),
      ]);
      latencies.orders.push(atOrders);
      latencies.billing.push(atBilling);
    }
    return latencies;
  }

  it(`reaches both services within milliseconds after a refresh-token reuse (${ROUNDS} sessions)`, async () => {
    const latencies = await measure(async () => {
      const { stolen, current } = await rotatedSession(auth.url);
      await expectAcceptedAtBoth(current.access_token);
      expect((await refreshGrant(auth.url, stolen.refresh_token!)).status).toBe(400);
      return current.access_token;
    });
    console.log(
      `refresh-token reuse answer → first 401, per service: ${JSON.stringify(summarizeLatencies(latencies))}`,
    );
    expect(latencies.orders).toHaveLength(ROUNDS);
    expect(Math.max(...latencies.orders, ...latencies.billing)).toBeLessThan(1_000);
  });

  it(`reaches both services within milliseconds after POST /oauth/revoke of a refresh token (${ROUNDS} sessions)`, async () => {
    const latencies = await measure(async () => {
      const login = await passwordLogin(auth.url, 'orders:read billing:read');
      await expectAcceptedAtBoth(login.access_token);
      expect(await revokeToken(auth.url, CLIENTS.demo, login.refresh_token!, 'refresh_token')).toBe(200);
      return login.access_token;
    });
    console.log(
      `refresh-token revoke response → first 401, per service: ${JSON.stringify(summarizeLatencies(latencies))}`,
    );
    expect(latencies.billing).toHaveLength(ROUNDS);
    expect(Math.max(...latencies.orders, ...latencies.billing)).toBeLessThan(1_000);
  });
});
