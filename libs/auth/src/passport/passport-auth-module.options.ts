import type { Type } from '@nestjs/common';
import type { JwtFromRequestFunction } from 'passport-jwt';
import type { ResourceServerJwtStrategy } from './resource-server-jwt.strategy.js';

/**
 * Options of {@link PassportAuthModule}. All optional: by default a built-in strategy named `'jwt'` reads the
 * `Authorization` header as `JwtAuthGuard` does and leaves the verified claims in `req.user`.
 *
 * @example
 * ```ts
 * PassportAuthModule.forRoot({ jwtFromRequest: ExtractJwt.fromUrlQueryParameter('access_token') });
 * PassportAuthModule.forRoot({ strategy: JwtStrategy }); // the app's own PassportStrategy(ResourceServerJwtStrategy)
 * ```
 */
export interface PassportAuthModuleOptions {
  /** The name `AuthGuard(name)` selects the built-in strategy by. Default `'jwt'`, passport-jwt's. */
  name?: string;
  /** Where the built-in strategy finds the token (passport-jwt's `ExtractJwt.*`). Default: as `JwtAuthGuard`. */
  jwtFromRequest?: JwtFromRequestFunction;
  /**
   * The app's own strategy, in place of the built-in one: a class extending
   * `PassportStrategy(ResourceServerJwtStrategy, name?)` with its `validate()`, built by Nest (it injects the
   * `ResourceServer`). Its name and extractor are its own, so `name` and `jwtFromRequest` are refused with it.
   */
  strategy?: Type<ResourceServerJwtStrategy>;
}
