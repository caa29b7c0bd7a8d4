import { Catch, Inject, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { describeError } from '@app/events';
import {
  AuthError,
  InsecureTransportError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  InvalidRequestError,
  InvalidTokenError,
  KeySourceUnavailableError,
  MissingTokenError,
  RevocationCapacityExceededError,
  RevocationStateUnavailableError,
} from '../errors/auth.errors.js';
import { ResourceServer } from '../resource-server.js';

/** The HTTP answer to one class of {@link AuthError}. */
interface ErrorResponse {
  status: number;
  /** RFC 6750 §3.1 error code, absent when no credentials were sent. */
  error?:
    | 'invalid_request'
    | 'invalid_token'
    | 'insufficient_scope'
    | 'insufficient_user_authentication'
    | 'temporarily_unavailable';
  message: string;
  /** `Retry-After` (s) of a 503: when the state the answer depends on may be usable again. */
  retryAfterSeconds?: number;
}

const UNAVAILABLE = {
  status: 503,
  error: 'temporarily_unavailable',
  message: 'Token verification is temporarily unavailable',
} as const;

/** Public messages are fixed per code: the reason details go to the log only. */
function answerFor(error: AuthError): ErrorResponse {
  if (error instanceof MissingTokenError) return { status: 401, message: 'Authentication required' };
  if (error instanceof InvalidRequestError)
    return { status: 400, error: 'invalid_request', message: 'Malformed Authorization header' };
  if (error instanceof InsecureTransportError)
    return { status: 400, error: 'invalid_request', message: 'Bearer tokens are accepted over HTTPS only' };
  if (error instanceof InvalidTokenError)
    return { status: 401, error: 'invalid_token', message: TOKEN_MESSAGES[error.code] };
  if (error instanceof InsufficientScopeError)
    return { status: 403, error: 'insufficient_scope', message: 'The access token lacks a required scope' };
  if (error instanceof InsufficientUserAuthenticationError)
    return {
      status: 401,
      error: 'insufficient_user_authentication',
      message: 'A more recent authentication is required',
    };
  if (error instanceof RevocationStateUnavailableError)
    return { ...UNAVAILABLE, retryAfterSeconds: error.retryAfterSeconds };
  if (error instanceof KeySourceUnavailableError || error instanceof RevocationCapacityExceededError)
    return { ...UNAVAILABLE, retryAfterSeconds: 1 };
  return { status: 401, error: 'invalid_token', message: 'The access token is invalid' };
}

const TOKEN_MESSAGES: Record<InvalidTokenError['code'], string> = {
  ERR_TOKEN_MALFORMED: 'The access token is malformed',
  ERR_TOKEN_TYPE_INVALID: 'The token is not an access token',
  ERR_TOKEN_ALG_NOT_ALLOWED: 'The token signing algorithm is not allowed',
  ERR_TOKEN_KEY_UNKNOWN: 'The token was signed with an unknown key',
  ERR_TOKEN_SIGNATURE_INVALID: 'The token signature is invalid',
  ERR_TOKEN_EXPIRED: 'The access token expired',
  ERR_TOKEN_NOT_YET_VALID: 'The access token is not valid yet',
  ERR_TOKEN_ISSUER_INVALID: 'The access token issuer is not trusted',
  ERR_TOKEN_AUDIENCE_INVALID: 'The access token is not meant for this resource server',
  ERR_TOKEN_CLAIMS_INVALID: 'The access token claims are invalid',
  ERR_TOKEN_REVOKED: 'The access token has been revoked',
};

/**
 * The one place where library errors become HTTP answers (RFC 6750 §3, RFC 9470 §3): status, the exact
 * `WWW-Authenticate: Bearer` challenge (a 503 carries `Retry-After` instead: the token may be fine, the service
 * cannot vouch for it yet), and a body with a stable `errorCode`. Never echoes the token.
 * Registered app-wide by `AuthModule`; works on Express and Fastify through the HTTP adapter.
 *
 * @example
 * ```http
 * HTTP/1.1 403 Forbidden
 * WWW-Authenticate: Bearer realm="orders-service", error="insufficient_scope", scope="orders:write"
 *
 * {"statusCode":403,"error":"insufficient_scope","errorCode":"ERR_INSUFFICIENT_SCOPE","message":"…"}
 * ```
 */
@Catch(AuthError)
export class AuthExceptionFilter implements ExceptionFilter<AuthError> {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(ResourceServer) private readonly server: ResourceServer,
  ) {}

  catch(error: AuthError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<unknown>();
    const { httpAdapter } = this.adapterHost;
    const answer = answerFor(error);
    this.log(error, answer.status);
    const challenge = this.challenge(error, answer);
    if (challenge !== undefined) {
      httpAdapter.setHeader(response, 'WWW-Authenticate', challenge);
    }
    if (answer.retryAfterSeconds !== undefined) {
      httpAdapter.setHeader(response, 'Retry-After', String(answer.retryAfterSeconds));
    }
    httpAdapter.setHeader(response, 'Cache-Control', 'no-store');
    httpAdapter.reply(
      response,
      {
        statusCode: answer.status,
        error: answer.error ?? 'unauthorized',
        errorCode: error.code,
        message: answer.message,
      },
      answer.status,
    );
  }

  private challenge(error: AuthError, answer: ErrorResponse): string | undefined {
    if (answer.status === 503) {
      return undefined;
    }
    const params = [`realm="${this.server.options.realm}"`];
    if (answer.error !== undefined) {
      params.push(`error="${answer.error}"`, `error_description="${answer.message}"`);
    }
    if (error instanceof InsufficientScopeError) {
      params.push(`scope="${error.requiredScopes.join(' ')}"`);
    }
    if (error instanceof InsufficientUserAuthenticationError) {
      params.push(`max_age="${error.maxAgeSeconds}"`); // RFC 9470 §3
    }
    return `Bearer ${params.join(', ')}`;
  }

  private log(error: AuthError, status: number): void {
    const cause = error.cause instanceof Error ? describeError(error.cause) : error.cause;
    const fields = { code: error.code, status, reason: error.message, cause };
    // Every refusal is the client's or the moment's, not a fault of this service: the state behind a 503 (keys not
    // loaded, revocation state stale or over capacity) is logged once by the resource server when it starts and ends,
    // so a fail-closed service answering thousands of requests 503 does not write thousands of warnings.
    this.logger.debug(fields);
  }
}
