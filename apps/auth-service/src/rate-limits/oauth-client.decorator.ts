import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedClient } from '../clients/client-authenticator.service.js';
import type { OAuthError } from '../oauth/oauth.error.js';

/** The one client authentication of a request: the client, or why it was refused. */
export type ClientAuthentication = { client: AuthenticatedClient } | { refusal: OAuthError };

/** Where the outcome lives on the request: a symbol, so no header or body field can set it. */
const CLIENT_AUTHENTICATION = Symbol('oauth client authentication');

type RequestWithClient = { [CLIENT_AUTHENTICATION]?: ClientAuthentication };

/** The outcome stored on `request` by {@link rememberClientAuthentication}, if any. */
export function clientAuthenticationOf(request: object): ClientAuthentication | undefined {
  return (request as RequestWithClient)[CLIENT_AUTHENTICATION];
}

/** Stores the outcome of the request's client authentication, so it runs once per request. */
export function rememberClientAuthentication(request: object, outcome: ClientAuthentication): void {
  (request as RequestWithClient)[CLIENT_AUTHENTICATION] = outcome;
}

/**
 * The client authenticated for this request by `ClientRateLimitGuard` (applied by `@RateLimited`), which refuses the
 * request before the handler when authentication failed. A route without that guard is a programming error.
 *
 * @example
 * @RateLimited('revoke') @OAuthEndpoint('revoke', …) revoke(@OAuthClient() client: AuthenticatedClient, …) { … }
 */
export const OAuthClient = createParamDecorator((_data: unknown, context: ExecutionContext): AuthenticatedClient => {
  const outcome = clientAuthenticationOf(context.switchToHttp().getRequest<object>());
  if (outcome === undefined || !('client' in outcome)) {
    throw new TypeError('@OAuthClient() needs @RateLimited() on the route (it authenticates the client)');
  }
  return outcome.client;
});
