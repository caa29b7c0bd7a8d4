import { Catch, HttpException, Inject, Logger, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { describeError } from '@app/events';
import { describeErrorType, stackFrames } from '../common/error-type.js';
import { AuthServiceEvents } from '../observability/auth-service.events.js';
import { DatabaseTimeoutError } from '../storage/database-timeout.error.js';
import { OAUTH_ERRORS, OAuthError, toOAuthErrorResponse } from './oauth.error.js';

/** The parts of Express's request/response this filter uses (no `@types/express` in the repo). */
interface HttpRequestLike {
  path: string;
}
interface HttpResponseLike {
  status(code: number): HttpResponseLike;
  set(headers: Record<string, string>): HttpResponseLike;
  json(body: unknown): unknown;
}

/** The OAuth endpoints: their errors, including those raised before routing (body parsing), are OAuth errors. */
const OAUTH_PATH_PREFIX = '/oauth/';

/**
 * Renders every error of the OAuth endpoints as an RFC 6749 §5.2 body, with `Cache-Control: no-store`; other
 * routes keep Nest's answers. Registered app-wide, so a form rejected by the body parser (too large, malformed)
 * is answered the same way. A database that gave up at one of its bounds is `temporarily_unavailable` (503,
 * `Retry-After`): nothing was done, trying again may work. Unexpected errors become `server_error` (500). The log
 * names an error raised here by its fixed reason and any other one by its type and stack frames only, never its
 * message: a parser's or a database's message can quote the request (secrets, tokens).
 *
 * @example
 * providers: [{ provide: APP_FILTER, useClass: OAuthExceptionFilter }]
 */
@Catch()
export class OAuthExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger(OAuthExceptionFilter.name);

  constructor(@Inject(AuthServiceEvents) private readonly events: AuthServiceEvents) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<HttpRequestLike>();
    // Express matches routes case-insensitively: /OAuth/token is the token endpoint too.
    if (!(exception instanceof OAuthError) && !request.path.toLowerCase().startsWith(OAUTH_PATH_PREFIX)) {
      super.catch(exception, host);
      return;
    }
    const response = http.getResponse<HttpResponseLike>();
    const error = this.toOAuthError(exception);
    const { status, headers, body } = toOAuthErrorResponse(error);
    const log = {
      msg: 'oauth request refused',
      path: request.path,
      error: body.error,
      cause: this.describeCause(exception),
    };
    if (status >= 500) this.logger.error({ ...log, at: stackFrames(exception) });
    else this.logger.log(log);
    this.events.emit('oauth.request.failed', { path: request.path.toLowerCase(), error: body.error, status });
    response.status(status).set(headers).json(body);
  }

  /** Our OAuthErrors carry fixed-text causes (see {@link OAuthError}); anything else may quote the request. */
  private describeCause(exception: unknown): string | undefined {
    if (!(exception instanceof OAuthError)) return describeErrorType(exception);
    return exception.cause === undefined ? undefined : describeError(exception.cause);
  }

  private toOAuthError(exception: unknown): OAuthError {
    if (exception instanceof OAuthError) return exception;
    // Body-parser and routing errors (malformed form, too large) are the client's fault.
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      return new OAuthError(OAUTH_ERRORS.invalidRequest, 'malformed request', { cause: exception });
    }
    if (exception instanceof DatabaseTimeoutError) {
      return new OAuthError(OAUTH_ERRORS.temporarilyUnavailable, 'try again later', { cause: exception });
    }
    return new OAuthError(OAUTH_ERRORS.serverError, undefined, { cause: exception });
  }
}
