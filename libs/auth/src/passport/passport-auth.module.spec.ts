import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Injectable, Req, UseGuards, type INestApplication, type Type } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { ExtractJwt, Strategy as PassportJwtStrategy } from 'passport-jwt';
import request from 'supertest';
import { AuthModule, Claims, ResourceServer, Scopes, type AccessTokenClaims } from '@app/auth';
import { PassportAuthModule, ResourceServerJwtStrategy } from '@app/auth/passport';
import { CapturingLogger } from '../../../../test/support/capturing-logger.js';
import { RecordedTopics } from '../../../../test/support/recorded-topics.js';
import { waitFor } from '../../../../test/support/wait-for.js';

/**
 * What the Passport adapter adds to the shared check, through the real modules over a ResourceServer fed in memory:
 * a team's own PassportStrategy class, passport-jwt's options it keeps and the ones it refuses, and that a strategy
 * without its route guard fails closed. That AuthGuard('jwt') answers exactly as JwtAuthGuard does is
 * test/passport-conformance.e2e-spec.ts, against a real broker.
 */

const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'items-api';

let signingKey: { kid: string; privateKey: CryptoKey };
let publicJwk: object;

function accessToken(claims: JWTPayload = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: ISSUER,
    sub: 'user-1',
    aud: AUDIENCE,
    client_id: 'items-app',
    scope: 'items:read',
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: signingKey.kid, typ: 'at+jwt' })
    .sign(signingKey.privateKey);
}

function resourceServer(): ResourceServer {
  return new ResourceServer(
    { issuer: ISSUER, audience: AUDIENCE, loadKeys: async () => [publicJwk], revocationFailurePolicy: 'open' },
    new RecordedTopics(),
  );
}

/** A team's strategy: its own name, the request handed to validate(), its own user shape, some clients refused. */
@Injectable()
class TeamStrategy extends PassportStrategy(ResourceServerJwtStrategy, 'team') {
  constructor(server: ResourceServer) {
    super({ resourceServer: server, passReqToCallback: true });
  }

  validate(request: { headers: Record<string, string> }, claims: AccessTokenClaims) {
    if (claims.client_id === 'blocked-app') return null;
    return { userId: claims.sub, tenant: request.headers['x-tenant'] };
  }
}

/** The same kind of strategy in an app that forgot PassportAuthModule. */
@Injectable()
class UnguardedStrategy extends PassportStrategy(ResourceServerJwtStrategy, 'unguarded') {
  constructor(server: ResourceServer) {
    super({ resourceServer: server });
  }

  validate(claims: AccessTokenClaims) {
    return claims;
  }
}

function controllerFor(strategyName: string): Type {
  @Controller(strategyName)
  @UseGuards(AuthGuard(strategyName))
  class ItemsController {
    @Get()
    @Scopes('items:read')
    read(@Req() req: { user: unknown }, @Claims('jti') jti: string) {
      return { user: req.user, jti };
    }
  }
  return ItemsController;
}

async function startApp(
  imports: unknown[],
  strategyName: string,
  { providers = [], logger = new CapturingLogger() }: { providers?: Type[]; logger?: CapturingLogger } = {},
): Promise<INestApplication> {
  const server = resourceServer();
  const moduleRef = await Test.createTestingModule({
    imports: [
      // The Kafka options are never used: the ResourceServer is replaced by one over recorded topics.
      AuthModule.forRoot({ issuer: ISSUER, audience: AUDIENCE, kafka: { brokers: ['127.0.0.1:9'], clientId: 'spec' } }),
      ...(imports as never[]),
    ],
    controllers: [controllerFor(strategyName)],
    providers,
  })
    .overrideProvider(ResourceServer)
    .useValue(server)
    .compile();
  const app = moduleRef.createNestApplication({ logger });
  await app.init();
  await waitFor('the key set', () => (server.status().keys.loaded ? true : undefined));
  await server.whenCaughtUp();
  return app;
}

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  signingKey = { kid: await calculateJwkThumbprint(jwk), privateKey };
  publicJwk = { ...jwk, kid: signingKey.kid, alg: 'ES256' };
});

describe('ResourceServerJwtStrategy', () => {
  it("is a passport-jwt Strategy named 'jwt' whose verification cannot be configured around the ResourceServer", () => {
    const strategy = new ResourceServerJwtStrategy({ resourceServer: resourceServer() }, () => undefined);
    expect(strategy).toBeInstanceOf(PassportJwtStrategy);
    expect(strategy.name).toBe('jwt');
    for (const option of ['secretOrKey', 'secretOrKeyProvider', 'algorithms', 'ignoreExpiration', 'issuer']) {
      expect(
        () =>
          new ResourceServerJwtStrategy({ resourceServer: resourceServer(), [option]: 'x' } as never, () => undefined),
      ).toThrow(expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(option) }));
    }
    expect(() => new ResourceServerJwtStrategy({} as never, () => undefined)).toThrow(/resourceServer/);
    expect(() => new ResourceServerJwtStrategy({ resourceServer: resourceServer() }, undefined as never)).toThrow(
      /verify callback/,
    );
  });
});

describe('PassportAuthModule with a team strategy class', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await startApp([PassportAuthModule.forRoot({ strategy: TeamStrategy })], 'team');
  });
  afterAll(() => app.close());

  it("puts validate()'s answer in req.user, given the request (passReqToCallback), and @Claims still works", async () => {
    const token = await accessToken({ jti: 'jti-team' });
    const response = await request(app.getHttpServer())
      .get('/team')
      .set('authorization', `Bearer ${token}`)
      .set('x-tenant', 'acme');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ user: { userId: 'user-1', tenant: 'acme' }, jti: 'jti-team' });
  });

  it('answers a validate() that returns nothing as the claim policy: 401 invalid_token', async () => {
    const token = await accessToken({ client_id: 'blocked-app' });
    const response = await request(app.getHttpServer()).get('/team').set('authorization', `Bearer ${token}`);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="items-api", error="invalid_token"/);
    expect(response.body).toMatchObject({ error: 'invalid_token', errorCode: 'ERR_TOKEN_CLAIMS_INVALID' });
  });

  it('enforces @Scopes for the strategy', async () => {
    const token = await accessToken({ scope: 'items:write' });
    const response = await request(app.getHttpServer()).get('/team').set('authorization', `Bearer ${token}`);
    expect(response.status).toBe(403);
    expect(response.headers['www-authenticate']).toContain('scope="items:read"');
  });
});

describe('PassportAuthModule built-in strategy with a passport-jwt extractor', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await startApp(
      [PassportAuthModule.forRoot({ name: 'query', jwtFromRequest: ExtractJwt.fromUrlQueryParameter('access_token') })],
      'query',
    );
  });
  afterAll(() => app.close());

  it('finds the token where the extractor says, and leaves the verified claims in req.user', async () => {
    const token = await accessToken({ jti: 'jti-query' });
    const response = await request(app.getHttpServer()).get(`/query?access_token=${token}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ user: { jti: 'jti-query', sub: 'user-1' }, jti: 'jti-query' });
  });

  it('answers nothing found as no token: 401 with the bare challenge', async () => {
    const token = await accessToken();
    const response = await request(app.getHttpServer()).get('/query').set('authorization', `Bearer ${token}`);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="items-api"');
    expect(response.body).toMatchObject({ errorCode: 'ERR_TOKEN_MISSING' });
  });
});

describe('A strategy without PassportAuthModule', () => {
  let app: INestApplication;
  const logger = new CapturingLogger();
  beforeAll(async () => {
    app = await startApp([], 'unguarded', { providers: [UnguardedStrategy], logger });
  });
  afterAll(() => app.close());

  it('fails closed: without the route requirements no token passes, not even a valid one', async () => {
    const token = await accessToken();
    const response = await request(app.getHttpServer()).get('/unguarded').set('authorization', `Bearer ${token}`);
    expect(response.status).toBe(500);
    expect(logger.lines.join('\n')).toContain('No route requirements on the request: import PassportAuthModule');
    expect(JSON.stringify(response.body)).not.toContain(token);
  });
});

describe('PassportAuthModule.forRoot options', () => {
  it('refuses what cannot work, naming the option', () => {
    expect(() => PassportAuthModule.forRoot({ name: '' })).toThrow(/PassportAuthModuleOptions\.name/);
    expect(() => PassportAuthModule.forRoot({ strategy: TeamStrategy, name: 'jwt' })).toThrow(
      /PassportAuthModuleOptions\.name belong in the strategy class/,
    );
    expect(() => PassportAuthModule.forRoot({ strategy: 'TeamStrategy' as never })).toThrow(
      /PassportAuthModuleOptions\.strategy/,
    );
  });
});
