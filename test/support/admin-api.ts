import type { RunningService } from './services.js';

/** An admin API answer: status, headers and the parsed JSON body (`{}` when empty). */
export interface AdminAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** What an admin call sends. */
export interface AdminRequest {
  token?: string;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as is, with its own content type. */
  raw?: { text: string; contentType: string };
}

/**
 * One call of the auth service's admin API.
 *
 * @example
 * const { status, body } = await adminCall(auth, 'POST', '/admin/revocations', { token, json: { type, value, reason } });
 */
export async function adminCall(
  service: RunningService,
  method: string,
  path: string,
  request: AdminRequest = {},
): Promise<AdminAnswer> {
  const headers: Record<string, string> = {};
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
  const raw =
    request.json === undefined ? request.raw : { text: JSON.stringify(request.json), contentType: 'application/json' };
  if (raw !== undefined) headers['content-type'] = raw.contentType;
  const response = await fetch(`${service.url}${path}`, { method, headers, body: raw?.text });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}
