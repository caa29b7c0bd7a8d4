import type { IncomingMessage } from 'node:http';
import type { AuthenticatedToken } from '../tokens/access-token-claims.js';
import type { RequestTransport } from '../tokens/token-authenticator.js';

/** The property the library's guards set on the request (Express or Fastify) once the token passed. */
export const AUTHENTICATED_TOKEN = Symbol('auth.authenticated-token');

/** A request as the guards leave it; adapters differ, this part is common. */
export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  /** `https` or `http`; Express and Fastify both derive it from the socket or a trusted proxy's header. */
  protocol?: string;
  /** Fastify's request wraps Node's message; Express's request is that message. */
  raw?: IncomingMessage;
  [AUTHENTICATED_TOKEN]?: AuthenticatedToken;
}

/**
 * Every `Authorization` line of the request. Node's `headers` keeps only the first line of a field that cannot be
 * a list, so a second one (which a proxy in front may have read instead) would pass unseen; `headersDistinct`
 * keeps them all.
 */
export function authorizationLines(request: AuthenticatedRequest): string | string[] | undefined {
  const message: Partial<IncomingMessage> = request.raw ?? request;
  return message.headersDistinct?.authorization ?? request.headers.authorization;
}

/**
 * How the request arrived, for `requireHttps`: its protocol, which Express and Fastify take from a trusted proxy's
 * `X-Forwarded-Proto` when one is configured.
 */
export function requestTransport(request: AuthenticatedRequest): RequestTransport {
  return { secure: request.protocol === 'https' };
}
