import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What every log line written while serving one request carries. */
interface RequestContext {
  readonly requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

// A caller's X-Request-Id is kept when it is a plain token (a proxy's or a client's correlation id), so a request
// can be followed across services; anything else is replaced rather than written into the logs.
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id for an incoming request: the caller's `X-Request-Id` when it is a plain token of at most 128
 * characters, else a new UUID.
 *
 * @example
 * ```ts
 * const id = requestIdFor(req.headers['x-request-id']);
 * ```
 */
export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && CALLER_REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * Runs `next` (the rest of the request's handling) with `requestId` as the current request id.
 *
 * @example
 * ```ts
 * app.use((req, res, next) => runInRequestContext(requestIdFor(req.headers['x-request-id']), next));
 * ```
 */
export function runInRequestContext(requestId: string, next: () => void): void {
  storage.run({ requestId }, next);
}

/**
 * The id of the request being served, if any: log lines written outside a request (start-up, Kafka feeds) have
 * none.
 *
 * @example
 * ```ts
 * pino({ mixin: () => ({ reqId: currentRequestId() }) });
 * ```
 */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
