import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  normalizeIp,
  ThrottlerGuard,
  ThrottlerStorage,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
} from '@nestjs/throttler';
import { ClientAuthenticator } from '../clients/client-authenticator.service.js';
import { assertFormContentType, readFormParams } from '../oauth/form-params.js';
import { OAuthError, OAuthRateLimitError } from '../oauth/oauth.error.js';
import {
  clientAuthenticationOf,
  rememberClientAuthentication,
  type ClientAuthentication,
} from './oauth-client.decorator.js';
import { RateLimitedEndpointKey } from './rate-limited-endpoint.js';

/** The parts of Express's request the guard reads (`ip` honours `trust proxy`: see `@app/http`). */
interface OAuthRequest {
  ip?: string;
  headers: Record<string, string | undefined>;
  body: unknown;
}

/** The form parameters of client authentication (`client_secret_post`); they must not repeat. */
const CLIENT_CREDENTIAL_PARAMS = ['client_id', 'client_secret'];

/**
 * `@nestjs/throttler`'s guard, keyed per OAuth client: it authenticates the client of the request (once, shared with
 * the handler through `@OAuthClient()`), counts the request against the route's limit (`@RateLimited(endpoint)`, which
 * skips the other endpoints' throttlers)
 * under `client:<id>`, or under `address:<source address>` when the client failed to authenticate, so that one
 * client's abuse never uses another's allowance and guessing client secrets is limited per address. Past the limit:
 * {@link OAuthRateLimitError} (429, `Retry-After` = when the oldest counted request leaves the sliding window). A
 * refused authentication is thrown after counting.
 *
 * @example
 * @RateLimited('token') @OAuthEndpoint('token', …) token(@OAuthClient() client: AuthenticatedClient, …) { … }
 */
@Injectable()
export class ClientRateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    @Inject(Reflector) reflector: Reflector,
    @Inject(ClientAuthenticator) private readonly clients: ClientAuthenticator,
  ) {
    super(options, storage, reflector);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const outcome = await this.authenticate(context.switchToHttp().getRequest<OAuthRequest>());
    if ('refusal' in outcome) throw outcome.refusal;
    return true;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const outcome = await this.authenticate(request as unknown as OAuthRequest);
    if ('client' in outcome) return `client:${outcome.client.id}`;
    return `address:${normalizeIp(String(request.ip), this.ipv6SubnetPrefix)}`;
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const endpoint = this.reflector.get(RateLimitedEndpointKey, context.getHandler());
    throw new OAuthRateLimitError(detail.timeToBlockExpire, {
      cause: new Error(`${endpoint} limit of ${detail.limit} reached by ${detail.tracker}`),
    });
  }

  private async authenticate(request: OAuthRequest): Promise<ClientAuthentication> {
    const known = clientAuthenticationOf(request);
    if (known !== undefined) return known;
    const outcome = await this.authenticateOnce(request);
    rememberClientAuthentication(request, outcome);
    return outcome;
  }

  private async authenticateOnce(request: OAuthRequest): Promise<ClientAuthentication> {
    try {
      assertFormContentType(request.headers['content-type']);
      // Only the credentials are read here: @OAuthForm() validates the whole form before the handler runs.
      const body = request.body;
      const others = typeof body === 'object' && body !== null ? Object.keys(body) : [];
      const params = readFormParams(
        body,
        others.filter((name) => !CLIENT_CREDENTIAL_PARAMS.includes(name)),
      );
      return { client: await this.clients.authenticate(request.headers.authorization, params) };
    } catch (error) {
      if (error instanceof OAuthError) return { refusal: error };
      throw error;
    }
  }
}
