import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  encodeHeartbeatEvent,
  encodeRevocationEvent,
  type EventLogger,
  type EventSigner,
  type Revocation,
} from '@app/events';
import type { AuthOptions, RevocationFailurePolicy } from '../../libs/auth/src/auth-options.js';
import { RevocationStateUnavailableError } from '../../libs/auth/src/errors/auth.errors.js';
import { ResourceServer } from '../../libs/auth/src/resource-server.js';
import { RecordedTopics } from './recorded-topics.js';
import { waitFor } from './wait-for.js';

/**
 * A framework-free {@link ResourceServer} over {@link RecordedTopics}, for the core's specs (resource server,
 * metrics): an injected clock, a key of its own, and the issuer side that signs revocations, heartbeats and tokens.
 */

export const ISSUER = 'https://auth.example.test';
export const NOW_S = 1_800_000_000;
export const REVOCATIONS = 'auth.revocations.v1';

const servers: ResourceServer[] = [];

/** Stops every server {@link stackAt} started: a spec's `afterEach`. */
export async function stopStartedServers(): Promise<void> {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
}

interface LogLine {
  level: string;
  msg: string;
}

/**
 * A started resource server over recorded topics, an injected clock (epoch ms) and a key of its own; the issuer
 * side signs revocations, heartbeats and tokens with that key.
 */
export async function stackAt(
  clock: { now: number },
  options: {
    policy?: RevocationFailurePolicy;
    maxRevocationEntries?: number;
    maxStalenessSeconds?: number;
    tokenCache?: AuthOptions['tokenCache'];
  } = {},
) {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const signer: EventSigner = { kid, alg: 'ES256', privateKey };
  const topics = new RecordedTopics();
  const logs: LogLine[] = [];
  const record = (level: string) => (msg: string) => void logs.push({ level, msg });
  const logger: EventLogger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  const server = new ResourceServer(
    {
      issuer: ISSUER,
      audience: 'orders-service',
      loadKeys: async () => [{ ...jwk, kid, alg: 'ES256' }],
      revocationFailurePolicy: options.policy ?? 'open',
      maxRevocationEntries: options.maxRevocationEntries,
      maxStalenessSeconds: options.maxStalenessSeconds ?? 20,
      tokenCache: options.tokenCache,
      clockToleranceSeconds: 5,
      clock: () => clock.now,
    },
    topics,
    logger,
  );
  servers.push(server);
  const eventOptions = (now = clock.now) => ({ issuer: ISSUER, audience: 'orders-service', signer, now: () => now });
  const revoke = async (revocation: Revocation) =>
    topics.append(REVOCATIONS, await encodeRevocationEvent(revocation, eventOptions()));
  const heartbeat = async (sentAtMs = clock.now, intervalSeconds = 5) =>
    topics.append(
      REVOCATIONS,
      await encodeHeartbeatEvent({ instance: 'auth-1', sequence: 0, intervalSeconds }, eventOptions(sentAtMs)),
    );
  const token = async (jti: string = crypto.randomUUID()) =>
    `Bearer ${await new SignJWT({ sub: 'alice', client_id: 'demo-app', jti, scope: 'orders:read' })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience('orders-service')
      .setIssuedAt(Math.floor(clock.now / 1000))
      .setExpirationTime(Math.floor(clock.now / 1000) + 300)
      .sign(privateKey)}`;
  /** The outcome of one request: 'accepted', or the refusal's code (and retry hint when it has one). */
  const outcome = async (bearer?: string): Promise<string> => {
    try {
      await server.authenticate(bearer ?? (await token()), ['orders:read']);
      return 'accepted';
    } catch (error) {
      if (error instanceof RevocationStateUnavailableError) return `${error.code} retry ${error.retryAfterSeconds}`;
      return (error as { code?: string }).code ?? String(error);
    }
  };
  const warnings = (text: string) => logs.filter((line) => line.level === 'warn' && line.msg.includes(text));
  server.start();
  await waitFor('the key set', () => (server.status().keys.loaded ? true : undefined));
  return { server, topics, kid, jwk, eventOptions, revoke, heartbeat, token, outcome, warnings };
}
