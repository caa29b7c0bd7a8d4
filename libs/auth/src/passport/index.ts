/**
 * The Passport entry of the library, for services on `@UseGuards(AuthGuard('jwt'))`: `PassportAuthModule` and the
 * passport-jwt strategy it registers, verified by the same `ResourceServer` as `JwtAuthGuard`. Loads
 * `@nestjs/passport`, `passport` and `passport-jwt`, which neither `@app/auth` nor `@app/auth/core` load.
 */
export { PassportAuthModule } from './passport-auth.module.js';
export type { PassportAuthModuleOptions } from './passport-auth-module.options.js';
export {
  ResourceServerJwtStrategy,
  type ResourceServerJwtStrategyOptions,
  type VerifiedCallback,
} from './resource-server-jwt.strategy.js';
