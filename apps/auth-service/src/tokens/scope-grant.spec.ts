import { describe, expect, it } from '@jest/globals';
import { OAuthError, type OAuthErrorCode } from '../oauth/oauth.error.js';
import { grantScopes, parseScope, type ScopeGrantRequest } from './scope-grant.js';

const resourceServers = [
  { audience: 'orders-service', scopes: ['orders:read', 'orders:write'] },
  { audience: 'billing-service', scopes: ['billing:read'] },
  { audience: 'auth-service', scopes: ['auth:admin'] },
];
const demo = ['orders:read', 'orders:write', 'billing:read'];

const request = (overrides: Partial<ScopeGrantRequest>): ScopeGrantRequest => ({
  requested: undefined,
  clientScopes: demo,
  resources: [],
  resourceServers,
  ...overrides,
});

describe('grantScopes', () => {
  it.each([
    [
      'no scope → everything the client may have',
      {},
      ['billing:read', 'orders:read', 'orders:write'],
      ['billing-service', 'orders-service'],
    ],
    ['one scope → only its resource server', { requested: 'orders:read' }, ['orders:read'], ['orders-service']],
    [
      'duplicates and extra spaces collapse',
      { requested: 'orders:read  orders:read' },
      ['orders:read'],
      ['orders-service'],
    ],
    ['billing only', { requested: 'billing:read' }, ['billing:read'], ['billing-service']],
    [
      'password grant: ∩ user scopes',
      { userScopes: ['orders:read', 'billing:read', 'auth:admin'] },
      ['billing:read', 'orders:read'],
      ['billing-service', 'orders-service'],
    ],
    [
      'resource narrows aud and scopes',
      { resources: ['orders-service'] },
      ['orders:read', 'orders:write'],
      ['orders-service'],
    ],
    [
      'resource + matching explicit scope',
      { requested: 'billing:read', resources: ['billing-service'] },
      ['billing:read'],
      ['billing-service'],
    ],
    ['admin client', { clientScopes: ['auth:admin'] }, ['auth:admin'], ['auth-service']],
  ] as [string, Partial<ScopeGrantRequest>, string[], string[]][])('%s', (_name, overrides, scopes, audience) => {
    expect(grantScopes(request(overrides))).toEqual({ scopes, audience });
  });

  it.each([
    ['a scope the client may not have', { requested: 'auth:admin' }, 'invalid_scope'],
    ['an unknown scope', { requested: 'orders:delete' }, 'invalid_scope'],
    ['a scope the user lacks', { requested: 'orders:write', userScopes: ['orders:read'] }, 'invalid_scope'],
    ['a malformed scope', { requested: 'orders:read "x"' }, 'invalid_scope'],
    ['an empty grant', { clientScopes: [] }, 'invalid_scope'],
    ['an unknown resource', { resources: ['payments-service'] }, 'invalid_target'],
    [
      'a scope outside the requested resource',
      { requested: 'orders:read', resources: ['billing-service'] },
      'invalid_target',
    ],
    ['a resource the client has no scope for', { resources: ['auth-service'] }, 'invalid_scope'],
  ] as [string, Partial<ScopeGrantRequest>, OAuthErrorCode][])('refuses %s', (_name, overrides, code) => {
    let thrown: unknown;
    try {
      grantScopes(request(overrides));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OAuthError);
    expect((thrown as OAuthError).error).toBe(code);
  });
});

describe('parseScope', () => {
  it.each([
    ['orders:read', ['orders:read']],
    [' orders:read orders:write ', ['orders:read', 'orders:write']],
  ])('%j → %j', (input, expected) => {
    expect(parseScope(input)).toEqual(expected);
  });

  it.each(['', '   ', 'a\\b', 'a"b', 'é'])('rejects %j', (input) => {
    expect(() => parseScope(input)).toThrow(OAuthError);
  });
});
