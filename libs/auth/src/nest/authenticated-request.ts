import type { AuthenticatedToken } from '../tokens/access-token-claims.js';

/** The property `JwtAuthGuard` sets on the request (Express or Fastify) once the token passed. */
export const AUTHENTICATED_TOKEN = Symbol('auth.authenticated-token');

/** A request as the guard leaves it; adapters differ, this part is common. */
export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  /** `https` or `http`; Express and Fastify both derive it from the socket or a trusted proxy's header. */
  protocol?: string;
  [AUTHENTICATED_TOKEN]?: AuthenticatedToken;
}
