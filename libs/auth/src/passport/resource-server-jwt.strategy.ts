import {
  Strategy as JwtStrategy,
  type JwtFromRequestFunction,
  type SecretOrKeyProvider,
  type VerifyCallback,
} from 'passport-jwt';
import { InvalidTokenError } from '../errors/auth.errors.js';
import {
  AUTHENTICATED_TOKEN,
  authorizationLines,
  requestTransport,
  type AuthenticatedRequest,
} from '../nest/authenticated-request.js';
import type { ResourceServer } from '../resource-server.js';
import type { AccessTokenClaims, AuthenticatedToken } from '../tokens/access-token-claims.js';
import { extractBearerToken } from '../tokens/bearer-token.js';
import { requirementsOf } from './route-requirements.guard.js';

/** Options of {@link ResourceServerJwtStrategy}: passport-jwt's request-side options; verification is the server's. */
export interface ResourceServerJwtStrategyOptions {
  /** Verifies every token: its key set (by `kid`, algorithm bound to the key), claim policy and revocation index. */
  readonly resourceServer: ResourceServer;
  /**
   * Where the token is found, as in passport-jwt (`ExtractJwt.fromUrlQueryParameter('access_token')`, …). Default:
   * the `Authorization` header read exactly as `JwtAuthGuard` reads it (RFC 6750 §2.1: a repeated or malformed
   * field is 400 `invalid_request`, another scheme is no token), which passport-jwt's own
   * `ExtractJwt.fromAuthHeaderAsBearerToken()` is not: it takes `Bearer a b` for the token `a`.
   */
  readonly jwtFromRequest?: JwtFromRequestFunction;
  /** As in passport-jwt: the verify callback (a `PassportStrategy`'s `validate`) receives the request first. */
  readonly passReqToCallback?: boolean;
}

/** passport-jwt's `done`: the user for `req.user`, or a falsy one to refuse, or an error. */
export type VerifiedCallback = (error: unknown, user?: unknown, info?: unknown) => void;

/**
 * passport-jwt's verification options: this strategy refuses them rather than silently ignoring them, since the
 * keys, issuer, audience, algorithms and lifetime checks are the resource server's (its `AuthOptions`).
 */
const VERIFICATION_OPTIONS = [
  'secretOrKey',
  'secretOrKeyProvider',
  'issuer',
  'audience',
  'algorithms',
  'ignoreExpiration',
  'jsonWebTokenOptions',
] as const;

// passport-jwt refuses to construct without a key source, and would hand it to jsonwebtoken, which knows neither
// EdDSA nor `typ`. authenticate() below never lets it verify; should anything call its verification anyway, it
// gets an error, never a key.
const NO_SECOND_VERIFICATION: SecretOrKeyProvider = (_request, _token, done) =>
  done(new TypeError('ResourceServerJwtStrategy verifies through its ResourceServer only'));

/** The default `jwtFromRequest`: the header parsed as `JwtAuthGuard` parses it, refusals included. */
const fromAuthorizationHeader: JwtFromRequestFunction<AuthenticatedRequest> = (request) =>
  extractBearerToken(authorizationLines(request));

/**
 * A passport-jwt `Strategy` whose verification is a {@link ResourceServer}'s: it keeps passport-jwt's name (`'jwt'`),
 * its `jwtFromRequest` option and extractors, and its verify callback (the `validate()` of a Nest
 * `PassportStrategy`, given the verified claims as passport-jwt gives the payload), and hands the token to
 * `ResourceServer.authenticateWith`, the check `JwtAuthGuard` runs. Every refusal is passed on as the library's
 * `AuthError` (`this.error`), so `AuthGuard('jwt')` rethrows it and `AuthExceptionFilter` answers exactly as it does
 * for `JwtAuthGuard`. The route's `@Public()`/`@Scopes()`/`@RequireRecentAuth()` come from `RouteRequirementsGuard`
 * (`PassportAuthModule`); without it every request is an error, never an unchecked pass.
 *
 * A `validate()` that returns nothing refuses the token as the claim policy does (401 `invalid_token`,
 * `ERR_TOKEN_CLAIMS_INVALID`); what it returns becomes `req.user`. `@Claims()` works as behind `JwtAuthGuard`.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class JwtStrategy extends PassportStrategy(ResourceServerJwtStrategy) {
 *   constructor(server: ResourceServer) {
 *     super({ resourceServer: server });
 *   }
 *   validate(claims: AccessTokenClaims) {
 *     return { userId: claims.sub, clientId: claims.client_id };
 *   }
 * }
 * ```
 */
export class ResourceServerJwtStrategy extends JwtStrategy {
  private readonly server: ResourceServer;
  private readonly readToken: JwtFromRequestFunction;
  private readonly passRequest: boolean;
  private readonly verify: (...args: unknown[]) => void;

  constructor(
    options: ResourceServerJwtStrategyOptions & { passReqToCallback?: false },
    verify: (claims: AccessTokenClaims, done: VerifiedCallback) => void,
  );
  constructor(
    options: ResourceServerJwtStrategyOptions & { passReqToCallback: true },
    verify: (request: never, claims: AccessTokenClaims, done: VerifiedCallback) => void,
  );
  constructor(options: ResourceServerJwtStrategyOptions, verify: (...args: never[]) => void) {
    refuseVerificationOptions(options);
    const readToken = options.jwtFromRequest ?? fromAuthorizationHeader;
    // passport-jwt checks the request-side options and the verify callback as it always does.
    super({ jwtFromRequest: readToken, secretOrKeyProvider: NO_SECOND_VERIFICATION }, verify as VerifyCallback);
    this.server = options.resourceServer;
    this.readToken = readToken;
    this.passRequest = options.passReqToCallback === true;
    this.verify = verify as (...args: unknown[]) => void;
  }

  override authenticate(request: AuthenticatedRequest): void {
    const route = requirementsOf(request);
    if (route === undefined) {
      this.error(
        new TypeError('No route requirements on the request: import PassportAuthModule (RouteRequirementsGuard)'),
      );
      return;
    }
    if (route.public) {
      this.pass();
      return;
    }
    this.server
      .authenticateWith(() => this.readToken(request), route, requestTransport(request))
      .then(
        (token) => this.handOver(request, token),
        (error: Error) => this.error(error),
      );
  }

  private handOver(request: AuthenticatedRequest, token: AuthenticatedToken): void {
    const done: VerifiedCallback = (error, user, info) => {
      if (error) return this.error(error as Error);
      if (!user) {
        return this.error(
          new InvalidTokenError('ERR_TOKEN_CLAIMS_INVALID', 'The strategy validate() refused the claims'),
        );
      }
      request[AUTHENTICATED_TOKEN] = token; // what @Claims() reads, as behind JwtAuthGuard
      this.success(user, info);
    };
    try {
      if (this.passRequest) this.verify(request, token.claims, done);
      else this.verify(token.claims, done);
    } catch (error) {
      this.error(error as Error);
    }
  }
}

function refuseVerificationOptions(options: ResourceServerJwtStrategyOptions): void {
  if (typeof options?.resourceServer?.authenticateWith !== 'function') {
    throw new TypeError('ResourceServerJwtStrategy options.resourceServer must be a ResourceServer');
  }
  const given = VERIFICATION_OPTIONS.filter((option) => option in options);
  if (given.length > 0) {
    throw new TypeError(
      `ResourceServerJwtStrategy verifies with its ResourceServer (AuthOptions: keys, issuer, audience, algorithms, ` +
        `clock tolerance); remove ${given.join(', ')}`,
    );
  }
  if (options.jwtFromRequest !== undefined && typeof options.jwtFromRequest !== 'function') {
    throw new TypeError('ResourceServerJwtStrategy options.jwtFromRequest must be a function (see ExtractJwt)');
  }
}
