import { describe, expect, it } from '@jest/globals';
import {
  OAUTH_ERRORS,
  OAuthError,
  OAuthRateLimitError,
  toOAuthErrorResponse,
  type OAuthErrorCode,
} from './oauth.error.js';

describe('toOAuthErrorResponse', () => {
  it.each([
    ['invalid_request', 400, false],
    ['invalid_client', 401, true],
    ['invalid_grant', 400, false],
    ['unauthorized_client', 400, false],
    ['unsupported_grant_type', 400, false],
    ['invalid_scope', 400, false],
    ['invalid_target', 400, false],
    ['server_error', 500, false],
    ['temporarily_unavailable', 503, false],
  ] as [OAuthErrorCode, number, boolean][])('%s → %i (challenge: %s)', (code, status, challenge) => {
    const response = toOAuthErrorResponse(new OAuthError(code, 'fixed text'));
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error: code, error_description: 'fixed text' });
    expect(response.headers['Cache-Control']).toBe('no-store');
    expect(response.headers['Pragma']).toBe('no-cache');
    if (challenge) expect(response.headers['WWW-Authenticate']).toBe('Basic realm="auth-service", charset="UTF-8"');
    else expect(response.headers['WWW-Authenticate']).toBeUndefined();
    expect(response.headers['Retry-After']).toBe(status === 503 ? '1' : undefined);
  });

  it('omits error_description when there is none and never exposes the cause', () => {
    const response = toOAuthErrorResponse(
      new OAuthError(OAUTH_ERRORS.invalidGrant, undefined, { cause: new Error('password mismatch for alice') }),
    );
    expect(response.body).toEqual({ error: 'invalid_grant' });
    expect(JSON.stringify(response)).not.toContain('alice');
  });

  it.each([
    [30, '30'],
    [0.2, '1'],
    [0, '1'],
    [4.1, '5'],
  ])(
    'a rate limit of %s s is 429 temporarily_unavailable, Retry-After %s, errorCode ERR_RATE_LIMITED',
    (after, header) => {
      const response = toOAuthErrorResponse(new OAuthRateLimitError(after, { cause: new Error('limit of client x') }));
      expect(response.status).toBe(429);
      expect(response.headers).toMatchObject({ 'Retry-After': header, 'Cache-Control': 'no-store' });
      expect(response.headers['WWW-Authenticate']).toBeUndefined();
      expect(response.body).toMatchObject({ error: 'temporarily_unavailable', errorCode: 'ERR_RATE_LIMITED' });
    },
  );
});
