import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportStrategy } from '@nestjs/passport';
import type { JwtFromRequestFunction } from 'passport-jwt';
import { ResourceServer } from '../resource-server.js';
import type { AccessTokenClaims } from '../tokens/access-token-claims.js';
import type { PassportAuthModuleOptions } from './passport-auth-module.options.js';
import { ResourceServerJwtStrategy } from './resource-server-jwt.strategy.js';
import { RouteRequirementsGuard } from './route-requirements.guard.js';

/** The DI token of the built-in strategy (built once, at boot, which registers it with Passport). */
const BUILT_IN_STRATEGY = Symbol('auth.passport-strategy');

/**
 * The Passport adapter of {@link AuthModule}: `@UseGuards(AuthGuard('jwt'))` routes are checked by the module's
 * `ResourceServer` (key set by `kid` with the algorithm bound to the key, `typ: at+jwt`, claim policy, revocation
 * index, staleness) and answered exactly as `JwtAuthGuard` answers, `@Scopes()`, `@Public()` and `@Claims()`
 * included. It registers a {@link ResourceServerJwtStrategy} with Passport (the built-in one, or the app's own) and
 * the app-wide `RouteRequirementsGuard` that hands the strategy the route's `@Public()`/`@Scopes()`. Needs
 * `AuthModule` (global by default) for the `ResourceServer` and the RFC 6750 filter.
 *
 * Passport's strategy registry is one per process: two apps in one process need two names.
 *
 * `forRoot` only, no `forRootAsync`: its options are code (a class, an extractor), not configuration.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [AuthModule.forRoot({ issuer, audience: 'billing-service', kafka }), PassportAuthModule.forRoot()],
 *   controllers: [StatementsController], // @UseGuards(AuthGuard('jwt')) @Scopes('billing:read') …
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class PassportAuthModule {
  static forRoot(options: PassportAuthModuleOptions = {}): DynamicModule {
    return {
      module: PassportAuthModule,
      providers: [strategyProvider(options), { provide: APP_GUARD, useClass: RouteRequirementsGuard }],
    };
  }
}

function strategyProvider({ name, jwtFromRequest, strategy }: PassportAuthModuleOptions): Provider {
  if (strategy !== undefined) {
    if (typeof strategy !== 'function') {
      throw new TypeError('PassportAuthModuleOptions.strategy must be a class extending ResourceServerJwtStrategy');
    }
    const given = [name === undefined ? [] : ['name'], jwtFromRequest === undefined ? [] : ['jwtFromRequest']].flat();
    if (given.length > 0) {
      throw new TypeError(`PassportAuthModuleOptions.${given.join(' and ')} belong in the strategy class given`);
    }
    return strategy;
  }
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw new TypeError('PassportAuthModuleOptions.name must be a non-empty string');
  }
  return {
    provide: BUILT_IN_STRATEGY,
    useFactory: (server: ResourceServer) => builtInStrategy(server, name ?? 'jwt', jwtFromRequest),
    inject: [ResourceServer],
  };
}

/** The strategy an app gets when it brings none: `req.user` is the verified claims. */
function builtInStrategy(
  server: ResourceServer,
  name: string,
  jwtFromRequest: JwtFromRequestFunction | undefined,
): ResourceServerJwtStrategy {
  class ClaimsStrategy extends PassportStrategy(ResourceServerJwtStrategy, name) {
    validate(claims: AccessTokenClaims): AccessTokenClaims {
      return claims;
    }
  }
  return new ClaimsStrategy({ resourceServer: server, jwtFromRequest });
}
