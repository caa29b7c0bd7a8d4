import { OAUTH_ERRORS, OAuthError } from '../oauth/oauth.error.js';

/** A resource server (audience) and the scopes that belong to it. */
export interface ResourceServer {
  audience: string;
  scopes: string[];
}

/** Inputs of {@link grantScopes}. */
export interface ScopeGrantRequest {
  /** The `scope` parameter, or `undefined` when absent (then everything allowed is granted). */
  requested: string | undefined;
  /** Scopes the client may obtain. */
  clientScopes: readonly string[];
  /** For the password grant: scopes the user's roles grant (intersected too). */
  userScopes?: readonly string[];
  /** RFC 8707 `resource` values (audiences), empty when absent. */
  resources: readonly string[];
  resourceServers: readonly ResourceServer[];
}

/** Outcome of {@link grantScopes}: the token's `scope` and `aud`. */
export interface ScopeGrant {
  scopes: string[];
  audience: string[];
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Splits a `scope` parameter into unique scope tokens; throws `invalid_scope` for a malformed value.
 *
 * @example
 * parseScope('orders:read  orders:write'); // ['orders:read', 'orders:write']
 */
export function parseScope(value: string): string[] {
  const tokens = value.split(' ').filter((t) => t !== '');
  if (tokens.length === 0 || !tokens.every((t) => SCOPE_TOKEN.test(t))) {
    throw new OAuthError(OAUTH_ERRORS.invalidScope, 'malformed scope');
  }
  return [...new Set(tokens)];
}

/**
 * Decides the granted scopes and audiences (pure):
 * allowed = client scopes (∩ user scopes); granted = requested ∩ allowed, or all allowed when no scope was sent;
 * a requested scope outside `allowed` → `invalid_scope`. `aud` = the resource servers owning a granted scope;
 * `resource` (RFC 8707) narrows it: unknown resource → `invalid_target`, and scopes of other resource servers are
 * dropped (explicitly requested ones → `invalid_target`). Nothing left → `invalid_scope`.
 *
 * @example
 * grantScopes({ requested: 'orders:read', clientScopes: ['orders:read'], resources: [], resourceServers });
 * // { scopes: ['orders:read'], audience: ['orders-service'] }
 */
export function grantScopes(request: ScopeGrantRequest): ScopeGrant {
  const { resourceServers } = request;
  const allowed = request.clientScopes.filter(
    (s) => request.userScopes === undefined || request.userScopes.includes(s),
  );
  let granted: string[];
  if (request.requested === undefined) {
    granted = [...new Set(allowed)];
  } else {
    granted = parseScope(request.requested);
    if (!granted.every((s) => allowed.includes(s))) {
      throw new OAuthError(OAUTH_ERRORS.invalidScope, 'requested scope is not allowed');
    }
  }
  for (const resource of request.resources) {
    if (!resourceServers.some((rs) => rs.audience === resource)) {
      throw new OAuthError(OAUTH_ERRORS.invalidTarget, 'unknown resource');
    }
  }
  if (request.resources.length > 0) {
    const inTargets = (scope: string): boolean =>
      resourceServers.some((rs) => request.resources.includes(rs.audience) && rs.scopes.includes(scope));
    if (request.requested !== undefined && !granted.every(inTargets)) {
      throw new OAuthError(OAUTH_ERRORS.invalidTarget, 'requested scope does not belong to the requested resource');
    }
    granted = granted.filter(inTargets);
  }
  const audience = resourceServers
    .filter((rs) => granted.some((s) => rs.scopes.includes(s)))
    .filter((rs) => request.resources.length === 0 || request.resources.includes(rs.audience))
    .map((rs) => rs.audience);
  if (granted.length === 0 || audience.length === 0) {
    throw new OAuthError(OAUTH_ERRORS.invalidScope, 'no grantable scope for a known resource server');
  }
  return { scopes: granted.sort(), audience: audience.sort() };
}
