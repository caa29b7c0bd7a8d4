import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Post, type INestApplication } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { IsIn } from 'class-validator';
import { Registry } from 'prom-client';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { AuthModule, Claims, Public, ResourceServer, Scopes } from '@app/auth';
import {
  encodeHeartbeatEvent,
  encodeKeyEvent,
  encodeRevocationEvent,
  HEARTBEAT_RECORD_KEY,
  revocationRecordKey,
  topicSpecs,
  type EventSigner,
  type Revocation,
} from '@app/events';
import { ensureTopics, EventProducer, KafkaConnection } from '@app/events/kafka';
import { callWithToken } from './support/oauth-client.js';
import { parsePrometheusText } from './support/prometheus-text.js';
import { uniqueKafkaSetup } from './support/services.js';
import { waitFor } from './support/wait-for.js';

/**
 * AuthModule built as a user of the library would build it (guardAllRoutes, @Public, merged @Scopes,
 * @Claims, a claims DTO), on Express and on Fastify, fed by a JWKS endpoint and revocation events this
 * spec publishes itself to the real broker — no auth-service involved.
 */

const ISSUER = 'https://issuer.example';

class ItemsClaims {
  @IsIn(['trusted-client'])
  client_id!: string;
}

@Controller('items')
@Scopes('items:read')
class ItemsController {
  @Get()
  list(@Claims('sub') subject: string): { subject: string } {
    return { subject };
  }

  @Post()
  @Scopes('items:write')
  create(): { created: true } {
    return { created: true };
  }

  @Public()
  @Get('catalogue')
  catalogue(): { public: true } {
    return { public: true };
  }
}

let jwks: Server;
let jwksUri: string;
let jwksRequestCount = 0;
let trusted: EventSigner & { privateKey: CryptoKey };
let untrusted: EventSigner & { privateKey: CryptoKey };
let second: EventSigner & { privateKey: CryptoKey };
let publicJwks: { keys: object[] };
const kafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
const connection = new KafkaConnection({ brokers: kafka.brokers.split(','), clientId: 'auth-module-spec' });
const producer = new EventProducer(connection);

async function publicJwk(key: EventSigner & { privateKey: CryptoKey }): Promise<object> {
  return { ...(await exportJWK(key.privateKey)), d: undefined, kid: key.kid, alg: 'ES256' };
}

/** A signing key whose kid is its RFC 7638 thumbprint, as the auth service names keys in key events. */
async function thumbprintSigner(): Promise<EventSigner & { privateKey: CryptoKey }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid: await calculateJwkThumbprint(await exportJWK(publicKey)), alg: 'ES256', privateKey };
}

async function signer(kid: string): Promise<EventSigner & { privateKey: CryptoKey }> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, alg: 'ES256', privateKey };
}

function accessToken(key: EventSigner & { privateKey: CryptoKey }, claims: JWTPayload = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: ISSUER,
    sub: 'user-1',
    aud: 'items-api',
    client_id: 'trusted-client',
    scope: 'items:read',
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
    .sign(key.privateKey);
}

async function publish(revocation: Revocation, key = trusted, issuer = ISSUER, audience = 'items-api'): Promise<void> {
  const value = await encodeRevocationEvent(revocation, { issuer, audience, signer: key });
  await producer.send(kafka.revocationsTopic, [{ key: revocationRecordKey(revocation.target), value }]);
}

beforeAll(async () => {
  [trusted, untrusted, second] = await Promise.all([signer('trusted'), signer('untrusted'), signer('second')]);
  publicJwks = { keys: await Promise.all([trusted, second].map(publicJwk)) };
  jwks = createServer((_request, response) => {
    jwksRequestCount += 1;
    response.end(JSON.stringify(publicJwks));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUri = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  await ensureTopics(
    connection,
    topicSpecs({
      revocationRetentionMs: 3_600_000,
      revocationsTopic: kafka.revocationsTopic,
      keysTopic: kafka.keysTopic,
      revocationSnapshotsTopic: kafka.revocationSnapshotsTopic,
    }),
  );
  await producer.connect();
  // The modules below are fail-closed: they are ready (and accept tokens) only while a heartbeat of the issuer is
  // fresh. One heartbeat serves the whole spec, under a staleness bound longer than the spec runs.
  const heartbeat = await encodeHeartbeatEvent(
    { instance: 'auth-module-spec', sequence: 0, intervalSeconds: 5 },
    { issuer: ISSUER, audience: 'items-api', signer: trusted },
  );
  await producer.send(kafka.revocationsTopic, [{ key: HEARTBEAT_RECORD_KEY, value: heartbeat }]);
});

afterAll(async () => {
  await producer.disconnect();
  await new Promise((resolve) => jwks.close(resolve));
});

describe.each<[string, () => AbstractHttpAdapter | undefined]>([
  ['Express', () => undefined],
  ['Fastify', () => new FastifyAdapter()],
])('AuthModule on %s', (_adapterName, adapter) => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AuthModule.forRoot({
          issuer: ISSUER,
          audience: 'items-api',
          jwksUri,
          claimsDto: ItemsClaims,
          topics: {
            revocations: kafka.revocationsTopic,
            keys: kafka.keysTopic,
            revocationSnapshots: kafka.revocationSnapshotsTopic,
          },
          maxStalenessSeconds: 3600,
          kafka: { brokers: kafka.brokers.split(','), clientId: 'items-api' },
          guardAllRoutes: true,
        }),
      ],
      controllers: [ItemsController],
    }).compile();
    app = moduleRef.createNestApplication(adapter() as never, { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    await waitFor('readiness', () => (app.get(ResourceServer).ready ? true : undefined));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('guards every route when guardAllRoutes is set, except @Public ones', async () => {
    expect((await callWithToken(`${url}/items`)).status).toBe(401);
    expect(await callWithToken(`${url}/items/catalogue`)).toMatchObject({ status: 200, body: { public: true } });
  });

  it('hands the handler the verified claims', async () => {
    expect(await callWithToken(`${url}/items`, await accessToken(trusted))).toMatchObject({
      status: 200,
      body: { subject: 'user-1' },
    });
  });

  it('requires the controller and the handler scopes together', async () => {
    const post = async (scope: string) =>
      fetch(`${url}/items`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await accessToken(trusted, { scope })}` },
      });
    const readOnly = await post('items:read');
    expect(readOnly.status).toBe(403);
    expect(readOnly.headers.get('www-authenticate')).toContain('scope="items:read items:write"');
    expect((await post('items:write')).status).toBe(403);
    expect((await post('items:read items:write')).status).toBe(201);
  });

  it('refuses claims that fail the claims DTO as invalid_token', async () => {
    const response = await callWithToken(`${url}/items`, await accessToken(trusted, { client_id: 'other-client' }));
    expect(response).toMatchObject({ status: 401, body: { errorCode: 'ERR_TOKEN_CLAIMS_INVALID' } });
  });

  it('applies subject and key revocations from Kafka, and drops events it cannot trust', async () => {
    const now = Math.floor(Date.now() / 1000);
    const subject = `user-${crypto.randomUUID()}`;
    const before = await accessToken(trusted, { sub: subject, iat: now - 5 });
    const byRetiredKey = await accessToken(second, { sub: `other-${subject}` });
    const dropped = app.get(ResourceServer).status().revocations.dropped;

    await publish({ target: { type: 'sub', value: subject }, revokedAt: now - 1, expiresAt: now + 300 }, untrusted);
    await publish(
      { target: { type: 'sub', value: subject }, revokedAt: now - 1, expiresAt: now + 300 },
      trusted,
      'https://evil.example',
    );
    await publish(
      { target: { type: 'sub', value: subject }, revokedAt: now - 1, expiresAt: now + 300 },
      trusted,
      ISSUER,
      'other-api',
    );
    await waitFor('the three untrusted events to be dropped', () =>
      app.get(ResourceServer).status().revocations.dropped >= dropped + 3 ? true : undefined,
    );
    expect((await callWithToken(`${url}/items`, before)).status).toBe(200);

    await publish({ target: { type: 'sub', value: subject }, revokedAt: now - 1, expiresAt: now + 300 });
    await publish({ target: { type: 'kid', value: second.kid }, revokedAt: now, expiresAt: now + 300 });
    await waitFor('the subject revocation', async () =>
      (await callWithToken(`${url}/items`, before)).status === 401 ? true : undefined,
    );
    expect(await callWithToken(`${url}/items`, before)).toMatchObject({ body: { errorCode: 'ERR_TOKEN_REVOKED' } });
    await waitFor('the key revocation', async () =>
      (await callWithToken(`${url}/items`, byRetiredKey)).status === 401 ? true : undefined,
    );
    const reauthenticated = await accessToken(trusted, { sub: subject, iat: now + 1 });
    expect((await callWithToken(`${url}/items`, reauthenticated)).status).toBe(200);
  });

  it('trusts a key published after start from its key event, without reloading the JWKS while unknown kids hold the cooldown', async () => {
    const rotated = await thumbprintSigner();
    const early = await accessToken(rotated, { sub: `rotated-${rotated.kid}` });
    expect(await callWithToken(`${url}/items`, early)).toMatchObject({
      status: 401,
      body: { errorCode: 'ERR_TOKEN_KEY_UNKNOWN' },
    });
    const jwksRequests = jwksRequestCount;
    const keyEventsApplied = app.get(ResourceServer).status().keyEvents.applied;
    const now = Math.floor(Date.now() / 1000);
    const { d: _private, ...jwk } = await exportJWK(rotated.privateKey);
    const announcement = await encodeKeyEvent(
      { kid: rotated.kid, alg: 'ES256', state: 'next', jwk, at: now },
      { issuer: ISSUER, audience: 'items-api', signer: trusted },
    );
    await producer.send(kafka.keysTopic, [{ key: rotated.kid, value: announcement }]);
    await waitFor('the key event', () =>
      app.get(ResourceServer).status().keyEvents.applied > keyEventsApplied ? true : undefined,
    );
    expect((await callWithToken(`${url}/items`, early)).status).toBe(200);

    const applied = app.get(ResourceServer).status().revocations.applied;
    await publish(
      { target: { type: 'sub', value: `rotated-${rotated.kid}` }, revokedAt: now, expiresAt: now + 300 },
      rotated,
    );
    await waitFor('the event signed with the new key', () =>
      app.get(ResourceServer).status().revocations.applied > applied ? true : undefined,
    );
    expect(await callWithToken(`${url}/items`, early)).toMatchObject({
      status: 401,
      body: { errorCode: 'ERR_TOKEN_REVOKED' },
    });
    expect(jwksRequestCount).toBe(jwksRequests);
  });

  it('serves GET /metrics without a token although every route is guarded, from the events it observed', async () => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const { samples } = parsePrometheusText(await response.text());
    const total = (prefix: string) =>
      [...samples].filter(([sample]) => sample.startsWith(prefix)).reduce((sum, [, count]) => sum + Number(count), 0);
    expect(total('auth_token_verifications_total{result="rejected",code="ERR_TOKEN_MISSING"}')).toBeGreaterThanOrEqual(
      1,
    );
    expect(total('auth_token_verifications_total{result="rejected",code="ERR_TOKEN_CLAIMS_INVALID"}')).toBe(1);
    expect(total('auth_token_verifications_total{result="ok",code="OK"}')).toBeGreaterThanOrEqual(3);
    const { dropped } = app.get(ResourceServer).status().revocations;
    expect(dropped).toBeGreaterThanOrEqual(3);
    expect(total(`auth_events_dropped_total{topic="${kafka.revocationsTopic}",`)).toBe(dropped);
  });
});

describe('AuthModule with metrics: false', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AuthModule.forRoot({
          issuer: ISSUER,
          audience: 'items-api',
          jwksUri,
          topics: {
            revocations: kafka.revocationsTopic,
            keys: kafka.keysTopic,
            revocationSnapshots: kafka.revocationSnapshotsTopic,
          },
          kafka: { brokers: kafka.brokers.split(','), clientId: 'items-api-no-metrics' },
          metrics: false,
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('serves no /metrics, and still provides the registry for the app to serve', async () => {
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    expect(await app.get(Registry).metrics()).toContain('# TYPE auth_token_verifications_total counter');
  });
});
