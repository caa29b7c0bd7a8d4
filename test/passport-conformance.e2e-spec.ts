import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Req, UseGuards, type CanActivate, type INestApplication, type Type } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AuthGuard } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import { IsIn } from 'class-validator';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import {
  AuthModule,
  Claims,
  JwtAuthGuard,
  Public,
  RequireRecentAuth,
  ResourceServer,
  Scopes,
  type AccessTokenClaims,
} from '@app/auth';
import { PassportAuthModule } from '@app/auth/passport';
import {
  encodeHeartbeatEvent,
  encodeRevocationEvent,
  HEARTBEAT_RECORD_KEY,
  revocationRecordKey,
  topicSpecs,
  type Revocation,
} from '@app/events';
import { ensureTopics, EventProducer, KafkaConnection } from '@app/events/kafka';
import { hs256WithPublicKey, tamper, unsigned } from './support/crafted-tokens.js';
import { rawGet } from './support/raw-request.js';
import { uniqueKafkaSetup, type KafkaSetup } from './support/services.js';
import { waitFor } from './support/wait-for.js';

/**
 * The conformance suite of the Passport adapter: every case is sent to the same routes guarded once by
 * `JwtAuthGuard` and once by `AuthGuard('jwt')` (PassportAuthModule), side by side in one app (one ResourceServer),
 * on Express and on Fastify, and the two answers must be identical — status, every header (but `Date` and the
 * connection's) and the body byte for byte — and be the expected one. The app is fed as a user's would be: a JWKS
 * endpoint, and signed revocation and heartbeat events this spec publishes to the real broker.
 */

const ISSUER = 'https://issuer.example';
const AUDIENCE = 'items-api';
/** Retry-After of the stale app: the interval its last heartbeat announced. */
const STALE_HEARTBEAT_INTERVAL_SECONDS = 7;

class ItemsClaims {
  @IsIn(['trusted-client'])
  client_id!: string;
}

/** Bound of the `/recent` route (`@RequireRecentAuth`). */
const RECENT_AUTH_SECONDS = 300;

/**
 * The routes of the suite, under `path`, behind `guard`: controller scopes, added handler scopes, a public route, a
 * route demanding recent authentication.
 */
function itemsController(path: string, guard: Type<CanActivate>): Type {
  @Controller(path)
  @UseGuards(guard)
  @Scopes('items:read')
  class ItemsController {
    @Get()
    read(@Claims() claims: AccessTokenClaims, @Claims('sub') subject: string) {
      return { subject, claims };
    }

    @Get('write')
    @Scopes('items:write')
    write() {
      return { written: true };
    }

    @Get('recent')
    @RequireRecentAuth(RECENT_AUTH_SECONDS)
    recent() {
      return { recent: true };
    }

    @Public()
    @Get('catalogue')
    catalogue() {
      return { public: true };
    }
  }
  return ItemsController;
}

/** Passport's own habit, beyond the shared answers: the verified claims in `req.user`. */
@Controller('passport/me')
@UseGuards(AuthGuard('jwt'))
class PassportUserController {
  @Get()
  me(@Req() request: { user: unknown }, @Claims() claims: AccessTokenClaims) {
    return { user: request.user, claims };
  }
}

const GUARDED_ROUTES = { native: '/native/items', passport: '/passport/items' } as const;
const CONTROLLERS = [
  itemsController(GUARDED_ROUTES.native, JwtAuthGuard),
  itemsController(GUARDED_ROUTES.passport, AuthGuard('jwt')),
  PassportUserController,
];

interface IssuerKey {
  readonly kid: string;
  readonly alg: 'ES256' | 'EdDSA';
  readonly privateKey: CryptoKey;
  readonly publicJwk: Record<string, unknown>;
}

async function issuerKey(alg: IssuerKey['alg']): Promise<IssuerKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg, privateKey, publicJwk: { ...jwk, kid, alg } };
}

/** The spec's keys: `es256` and `eddsa` published and trusted, `doomed` published then revoked, `stranger` never. */
interface Keys {
  readonly es256: IssuerKey;
  readonly eddsa: IssuerKey;
  readonly doomed: IssuerKey;
  readonly stranger: IssuerKey;
}

function accessToken(
  key: IssuerKey,
  claims: JWTPayload = {},
  header: { alg?: string; typ?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: ISSUER,
    sub: 'user-1',
    aud: AUDIENCE,
    client_id: 'trusted-client',
    scope: 'items:read',
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: header.alg ?? key.alg, kid: key.kid, typ: header.typ ?? 'at+jwt' })
    .sign(key.privateKey);
}

/** Every token a case sends, built once. */
type Tokens = Record<
  | 'valid'
  | 'eddsa'
  | 'readOnly'
  | 'readWrite'
  | 'writeOnly'
  | 'badSignature'
  | 'expired'
  | 'wrongIssuer'
  | 'wrongAudience'
  | 'wrongType'
  | 'unknownKid'
  | 'algMismatch'
  | 'hmacWithPublicKey'
  | 'algNone'
  | 'claimPolicy'
  | 'revokedJti'
  | 'revokedSid'
  | 'subBeforeCutOff'
  | 'subAfterCutOff'
  | 'revokedKid'
  | 'recentAuth'
  | 'oldAuth'
  | 'oldAuthWriteOnly',
  string
>;

/** What one case must be answered; the two guards' answers must also equal each other in full. */
interface Expected {
  readonly status: number;
  /** `errorCode` of the body; absent for a 2xx. */
  readonly errorCode?: string;
  /** The exact `WWW-Authenticate`, or `null` for none. */
  readonly challenge: string | null;
  readonly retryAfter?: string;
}

interface Case {
  readonly name: string;
  /**
   * Below the guarded prefix: '' (items:read), '/write' (items:read + items:write), '/catalogue' (@Public), '/recent'
   * (items:read + @RequireRecentAuth).
   */
  readonly path: '' | '/write' | '/catalogue' | '/recent';
  readonly lines: (tokens: Tokens) => [string, string][];
  readonly expected: Expected;
}

const REALM = `realm="${AUDIENCE}"`;
const bearer = (token: string): [string, string][] => [['Authorization', `Bearer ${token}`]];
const ok: Expected = { status: 200, challenge: null };
const noToken: Expected = { status: 401, errorCode: 'ERR_TOKEN_MISSING', challenge: `Bearer ${REALM}` };
const invalidRequest: Expected = {
  status: 400,
  errorCode: 'ERR_INVALID_REQUEST',
  challenge: `Bearer ${REALM}, error="invalid_request", error_description="Malformed Authorization header"`,
};
function invalidToken(errorCode: string, description: string): Expected {
  return {
    status: 401,
    errorCode,
    challenge: `Bearer ${REALM}, error="invalid_token", error_description="${description}"`,
  };
}
function insufficientScope(scope: string): Expected {
  return {
    status: 403,
    errorCode: 'ERR_INSUFFICIENT_SCOPE',
    challenge:
      `Bearer ${REALM}, error="insufficient_scope", ` +
      `error_description="The access token lacks a required scope", scope="${scope}"`,
  };
}
const REVOKED = invalidToken('ERR_TOKEN_REVOKED', 'The access token has been revoked');
const AUTH_TOO_OLD: Expected = {
  status: 401,
  errorCode: 'ERR_AUTH_TOO_OLD',
  challenge:
    `Bearer ${REALM}, error="insufficient_user_authentication", ` +
    `error_description="A more recent authentication is required", max_age="${RECENT_AUTH_SECONDS}"`,
};

const CASES: Case[] = [
  { name: 'no Authorization header', path: '', lines: () => [], expected: noToken },
  {
    name: 'another scheme (Basic)',
    path: '',
    lines: () => [['Authorization', 'Basic dXNlcjpwYXNz']],
    expected: noToken,
  },
  {
    name: 'malformed: the scheme alone',
    path: '',
    lines: () => [['Authorization', 'Bearer']],
    expected: invalidRequest,
  },
  {
    name: 'malformed: two credentials after the scheme',
    path: '',
    lines: (t) => [['Authorization', `Bearer ${t.valid} ${t.valid}`]],
    expected: invalidRequest,
  },
  {
    name: 'malformed: two Authorization lines',
    path: '',
    lines: (t) => [
      ['Authorization', `Bearer ${t.valid}`],
      ['Authorization', `Bearer ${t.valid}`],
    ],
    expected: invalidRequest,
  },
  { name: 'valid ES256 token', path: '', lines: (t) => bearer(t.valid), expected: ok },
  {
    name: 'valid token, lower-case scheme',
    path: '',
    lines: (t) => [['Authorization', `bearer ${t.valid}`]],
    expected: ok,
  },
  { name: 'valid EdDSA token', path: '', lines: (t) => bearer(t.eddsa), expected: ok },
  {
    name: 'not a JWS',
    path: '',
    lines: () => bearer('not-a-token'),
    expected: invalidToken('ERR_TOKEN_MALFORMED', 'The access token is malformed'),
  },
  {
    name: 'bad signature (claims changed)',
    path: '',
    lines: (t) => bearer(t.badSignature),
    expected: invalidToken('ERR_TOKEN_SIGNATURE_INVALID', 'The token signature is invalid'),
  },
  {
    name: 'expired',
    path: '',
    lines: (t) => bearer(t.expired),
    expected: invalidToken('ERR_TOKEN_EXPIRED', 'The access token expired'),
  },
  {
    name: 'wrong iss',
    path: '',
    lines: (t) => bearer(t.wrongIssuer),
    expected: invalidToken('ERR_TOKEN_ISSUER_INVALID', 'The access token issuer is not trusted'),
  },
  {
    name: 'wrong aud',
    path: '',
    lines: (t) => bearer(t.wrongAudience),
    expected: invalidToken('ERR_TOKEN_AUDIENCE_INVALID', 'The access token is not meant for this resource server'),
  },
  {
    name: 'wrong typ (JWT)',
    path: '',
    lines: (t) => bearer(t.wrongType),
    expected: invalidToken('ERR_TOKEN_TYPE_INVALID', 'The token is not an access token'),
  },
  {
    name: 'unknown kid',
    path: '',
    lines: (t) => bearer(t.unknownKid),
    expected: invalidToken('ERR_TOKEN_KEY_UNKNOWN', 'The token was signed with an unknown key'),
  },
  {
    name: "alg mismatch (EdDSA under the ES256 key's kid)",
    path: '',
    lines: (t) => bearer(t.algMismatch),
    expected: invalidToken('ERR_TOKEN_ALG_NOT_ALLOWED', 'The token signing algorithm is not allowed'),
  },
  {
    name: 'HS256 with the public key as secret',
    path: '',
    lines: (t) => bearer(t.hmacWithPublicKey),
    expected: invalidToken('ERR_TOKEN_ALG_NOT_ALLOWED', 'The token signing algorithm is not allowed'),
  },
  {
    name: 'alg none',
    path: '',
    lines: (t) => bearer(t.algNone),
    expected: invalidToken('ERR_TOKEN_ALG_NOT_ALLOWED', 'The token signing algorithm is not allowed'),
  },
  {
    name: 'claim policy (claims DTO) refuses the client',
    path: '',
    lines: (t) => bearer(t.claimPolicy),
    expected: invalidToken('ERR_TOKEN_CLAIMS_INVALID', 'The access token claims are invalid'),
  },
  { name: 'revoked by jti', path: '', lines: (t) => bearer(t.revokedJti), expected: REVOKED },
  { name: 'revoked by sid', path: '', lines: (t) => bearer(t.revokedSid), expected: REVOKED },
  { name: 'issued before a subject cut-off', path: '', lines: (t) => bearer(t.subBeforeCutOff), expected: REVOKED },
  { name: 'issued after a subject cut-off', path: '', lines: (t) => bearer(t.subAfterCutOff), expected: ok },
  { name: 'signed by a revoked kid', path: '', lines: (t) => bearer(t.revokedKid), expected: REVOKED },
  {
    name: 'missing the controller scope',
    path: '',
    lines: (t) => bearer(t.writeOnly),
    expected: insufficientScope('items:read'),
  },
  {
    name: 'missing the handler scope (controller and handler scopes together)',
    path: '/write',
    lines: (t) => bearer(t.readOnly),
    expected: insufficientScope('items:read items:write'),
  },
  { name: 'both scopes', path: '/write', lines: (t) => bearer(t.readWrite), expected: ok },
  { name: 'recent auth: a fresh auth_time', path: '/recent', lines: (t) => bearer(t.recentAuth), expected: ok },
  { name: 'recent auth: an old auth_time', path: '/recent', lines: (t) => bearer(t.oldAuth), expected: AUTH_TOO_OLD },
  {
    name: 'recent auth: no auth_time (a client token)',
    path: '/recent',
    lines: (t) => bearer(t.valid),
    expected: AUTH_TOO_OLD,
  },
  {
    name: 'recent auth: an old auth_time lacking the scope gets the scope answer first',
    path: '/recent',
    lines: (t) => bearer(t.oldAuthWriteOnly),
    expected: insufficientScope('items:read'),
  },
  {
    name: 'recent auth: not asked where the route sets no bound',
    path: '',
    lines: (t) => bearer(t.oldAuth),
    expected: ok,
  },
  { name: '@Public route without a token', path: '/catalogue', lines: () => [], expected: ok },
  {
    name: '@Public route with a refused token and a malformed header',
    path: '/catalogue',
    lines: (t) => [
      ['Authorization', `Bearer ${t.expired}`],
      ['Authorization', 'Bearer'],
    ],
    expected: ok,
  },
];

/** The cases of a fail-closed service whose view of the revocations topic is stale. */
const STALE_CASES: Case[] = [
  {
    name: 'valid token while stale',
    path: '',
    lines: (t) => bearer(t.valid),
    expected: {
      status: 503,
      errorCode: 'ERR_REVOCATION_STATE_UNAVAILABLE',
      challenge: null,
      retryAfter: String(STALE_HEARTBEAT_INTERVAL_SECONDS),
    },
  },
  { name: 'no token while stale', path: '', lines: () => [], expected: noToken },
  {
    name: 'malformed header while stale',
    path: '',
    lines: () => [['Authorization', 'Bearer']],
    expected: invalidRequest,
  },
  { name: '@Public route while stale', path: '/catalogue', lines: () => [], expected: ok },
];

/** Status, headers but the per-response ones, and the body as sent. */
interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

async function answer(url: string, lines: [string, string][]): Promise<Answer> {
  const { status, headers, body } = await rawGet(url, lines);
  const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...compared } = headers;
  return { status, headers: compared, body };
}

let jwks: Server;
let jwksUri: string;
let keys: Keys;
let tokens: Tokens;
const kafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
const staleKafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
const connection = new KafkaConnection({ brokers: kafka.brokers.split(','), clientId: 'passport-conformance-spec' });
const producer = new EventProducer(connection);
const revocations: Revocation[] = [];

async function publishRevocation(revocation: Revocation): Promise<void> {
  const value = await encodeRevocationEvent(revocation, { issuer: ISSUER, audience: AUDIENCE, signer: keys.es256 });
  await producer.send(kafka.revocationsTopic, [{ key: revocationRecordKey(revocation.target), value }]);
  revocations.push(revocation);
}

async function publishHeartbeat(topics: KafkaSetup, sentAtMs: number): Promise<void> {
  const value = await encodeHeartbeatEvent(
    { instance: 'passport-conformance-spec', sequence: 0, intervalSeconds: STALE_HEARTBEAT_INTERVAL_SECONDS },
    { issuer: ISSUER, audience: AUDIENCE, signer: keys.es256, now: () => sentAtMs },
  );
  await producer.send(topics.revocationsTopic, [{ key: HEARTBEAT_RECORD_KEY, value }]);
}

async function buildTokens(): Promise<Tokens> {
  const { es256, eddsa, doomed, stranger } = keys;
  const now = Math.floor(Date.now() / 1000);
  const valid = await accessToken(es256);
  const subject = `cut-off-${crypto.randomUUID()}`;
  const revokedJti = crypto.randomUUID();
  const revokedSid = crypto.randomUUID();
  return {
    valid,
    eddsa: await accessToken(eddsa),
    readOnly: valid,
    readWrite: await accessToken(es256, { scope: 'items:read items:write' }),
    writeOnly: await accessToken(es256, { scope: 'items:write' }),
    badSignature: tamper(valid, { sub: 'mallory' }),
    expired: await accessToken(es256, { iat: now - 900, exp: now - 600 }),
    wrongIssuer: await accessToken(es256, { iss: 'https://evil.example' }),
    wrongAudience: await accessToken(es256, { aud: 'other-api' }),
    wrongType: await accessToken(es256, {}, { typ: 'JWT' }),
    unknownKid: await accessToken(stranger),
    algMismatch: await accessToken({ ...eddsa, kid: es256.kid }),
    hmacWithPublicKey: hs256WithPublicKey(valid, es256.publicJwk),
    algNone: unsigned(valid),
    claimPolicy: await accessToken(es256, { client_id: 'other-client' }),
    revokedJti: await accessToken(es256, { jti: revokedJti }),
    revokedSid: await accessToken(es256, { sid: revokedSid }),
    subBeforeCutOff: await accessToken(es256, { sub: subject, iat: now - 20 }),
    subAfterCutOff: await accessToken(es256, { sub: subject, iat: now }),
    revokedKid: await accessToken(doomed),
    recentAuth: await accessToken(es256, { auth_time: now - 10 }),
    oldAuth: await accessToken(es256, { auth_time: now - 3600 }),
    oldAuthWriteOnly: await accessToken(es256, { auth_time: now - 3600, scope: 'items:write' }),
  };
}

async function publishRevocationsOf(t: Tokens): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = now + 600;
  const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as JWTPayload;
  await publishRevocation({ target: { type: 'jti', value: claims(t.revokedJti).jti! }, revokedAt: now, expiresAt });
  await publishRevocation({
    target: { type: 'sid', value: claims(t.revokedSid).sid as string },
    revokedAt: now,
    expiresAt,
  });
  await publishRevocation({
    target: { type: 'sub', value: claims(t.subBeforeCutOff).sub! },
    revokedAt: now - 10,
    expiresAt,
  });
  await publishRevocation({ target: { type: 'kid', value: keys.doomed.kid }, revokedAt: now, expiresAt });
}

beforeAll(async () => {
  const [es256, eddsa, doomed, stranger] = await Promise.all([
    issuerKey('ES256'),
    issuerKey('EdDSA'),
    issuerKey('ES256'),
    issuerKey('ES256'),
  ]);
  keys = { es256, eddsa, doomed, stranger };
  const published = JSON.stringify({ keys: [es256, eddsa, doomed].map((key) => key.publicJwk) });
  jwks = createServer((_request, response) => response.end(published));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUri = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  await ensureTopics(
    connection,
    [kafka, staleKafka].flatMap((topics) =>
      topicSpecs({
        revocationRetentionMs: 3_600_000,
        revocationsTopic: topics.revocationsTopic,
        keysTopic: topics.keysTopic,
        revocationSnapshotsTopic: topics.revocationSnapshotsTopic,
      }),
    ),
  );
  await producer.connect();
  tokens = await buildTokens();
  await publishRevocationsOf(tokens);
  // One fresh heartbeat serves the main apps for the whole spec (their bound is longer than it runs); the stale
  // apps' only heartbeat is two minutes old, past their bound of one minute, and nothing newer ever comes.
  await publishHeartbeat(kafka, Date.now());
  await publishHeartbeat(staleKafka, Date.now() - 120_000);
});

afterAll(async () => {
  await producer.disconnect();
  await new Promise((resolve) => jwks.close(resolve));
});

async function startApp(
  adapter: AbstractHttpAdapter | undefined,
  topics: KafkaSetup,
  maxStalenessSeconds: number,
): Promise<{ app: INestApplication; url: string; server: ResourceServer }> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      AuthModule.forRoot({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri,
        claimsDto: ItemsClaims,
        topics: {
          revocations: topics.revocationsTopic,
          keys: topics.keysTopic,
          revocationSnapshots: topics.revocationSnapshotsTopic,
        },
        revocationFailurePolicy: 'closed',
        maxStalenessSeconds,
        kafka: { brokers: topics.brokers.split(','), clientId: 'items-api' },
      }),
      PassportAuthModule.forRoot(),
    ],
    controllers: CONTROLLERS,
  }).compile();
  const app = moduleRef.createNestApplication(adapter as never, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  return { app, url, server: app.get(ResourceServer) };
}

/** Resolves once the server refuses `token` as revoked. */
function revokedAt(server: ResourceServer, token: string): Promise<true> {
  return waitFor('a revocation to be applied', () =>
    server.authenticate(`Bearer ${token}`, []).then(
      () => undefined,
      (error: { code?: string }) => (error.code === 'ERR_TOKEN_REVOKED' ? true : undefined),
    ),
  );
}

function conformanceCases(cases: Case[], target: () => string): void {
  it.each(cases.map((c) => [c.name, c] as const))('%s: the same answer from both guards', async (_name, c) => {
    const lines = c.lines(tokens);
    const native = await answer(`${target()}${GUARDED_ROUTES.native}${c.path}`, lines);
    const passport = await answer(`${target()}${GUARDED_ROUTES.passport}${c.path}`, lines);
    expect(passport).toEqual(native);

    const { status, errorCode, challenge, retryAfter } = c.expected;
    expect(native.status).toBe(status);
    expect(native.headers['www-authenticate'] ?? null).toBe(challenge);
    expect(native.headers['retry-after']).toBe(retryAfter);
    const body = JSON.parse(native.body) as Record<string, unknown>;
    if (errorCode === undefined) {
      expect(body.errorCode).toBeUndefined();
    } else {
      expect(body).toMatchObject({ statusCode: status, errorCode });
      expect(native.headers['cache-control']).toBe('no-store');
    }
    for (const token of Object.values(tokens)) expect(native.body).not.toContain(token);
  });
}

// One app at a time (describe blocks run in order): Passport's strategy registry is one per process.
describe.each<[string, () => AbstractHttpAdapter | undefined]>([
  ['Express', () => undefined],
  ['Fastify', () => new FastifyAdapter()],
])('JwtAuthGuard and AuthGuard(jwt) on %s', (_adapterName, adapter) => {
  describe('caught up and fresh (fail-closed)', () => {
    let running: Awaited<ReturnType<typeof startApp>>;
    beforeAll(async () => {
      running = await startApp(adapter(), kafka, 3600);
      await waitFor('readiness', () => (running.server.ready ? true : undefined));
      for (const token of [tokens.revokedJti, tokens.revokedSid, tokens.subBeforeCutOff, tokens.revokedKid]) {
        await revokedAt(running.server, token);
      }
    });
    afterAll(() => running.app.close());

    conformanceCases(CASES, () => running.url);

    it('hands @Claims the same verified claims, and AuthGuard(jwt) leaves them in req.user too', async () => {
      const native = JSON.parse((await answer(`${running.url}${GUARDED_ROUTES.native}`, bearer(tokens.valid))).body);
      const me = JSON.parse((await answer(`${running.url}/passport/me`, bearer(tokens.valid))).body);
      expect(native).toMatchObject({ subject: 'user-1', claims: { sub: 'user-1', client_id: 'trusted-client' } });
      expect(me).toEqual({ user: native.claims, claims: native.claims });
    });
  });

  describe('stale (fail-closed, no fresh heartbeat)', () => {
    let running: Awaited<ReturnType<typeof startApp>>;
    beforeAll(async () => {
      running = await startApp(adapter(), staleKafka, 60);
      await waitFor('the stale heartbeat to be applied', () => {
        const { staleness, revocations, keyEvents, keys: keySet } = running.server.status();
        const caughtUp = revocations.caughtUp && keyEvents.caughtUp && keySet.loaded;
        return caughtUp && staleness.lastHeartbeat !== null && staleness.stale ? true : undefined;
      });
    });
    afterAll(() => running.app.close());

    conformanceCases(STALE_CASES, () => running.url);
  });
});
