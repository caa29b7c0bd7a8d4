import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { currentRequestId, requestIdFor, runInRequestContext } from './request-context.js';

/** A Node-style middleware: both transports call it from their first hook. */
export type RequestLogging = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;

/**
 * Gives every request an id (the caller's `X-Request-Id` when it is a plain token, else a UUID), answers it in
 * `X-Request-Id`, serves the request inside that id's context (every log line written meanwhile carries `reqId`),
 * and logs one line when the answer is sent: method, path (never the query string, where a token could ride),
 * status and time, at `info`; `warn` for a 5xx other than 503 (a 503 is a deliberate answer: not ready yet, or a
 * fail-closed service that cannot vouch for its revocation state, which the service logs once when it starts and ends).
 *
 * @example
 * ```ts
 * const logging = requestLogging(logger);
 * expressApp.use(logging);
 * ```
 */
export function requestLogging(logger: Logger): RequestLogging {
  const log = pinoHttp({
    logger,
    genReqId: () => currentRequestId()!,
    customLogLevel: (_request, response, error) =>
      error !== undefined || (response.statusCode >= 500 && response.statusCode !== 503) ? 'warn' : 'info',
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request completed',
    // The `reqId` of the line comes from the request context (logger mixin); pino-http's own `req.id` repeats it.
    quietReqLogger: true,
    serializers: {
      req: (request: { method: string; url: string; remoteAddress?: string }) => ({
        method: request.method,
        path: request.url.split('?', 1)[0],
        remoteAddress: request.remoteAddress,
      }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
    },
  });
  return (request, response, next) => {
    const id = requestIdFor(request.headers['x-request-id']);
    response.setHeader('X-Request-Id', id);
    runInRequestContext(id, () => {
      log(request, response);
      next();
    });
  };
}
