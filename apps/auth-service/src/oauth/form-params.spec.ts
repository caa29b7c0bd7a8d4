import { describe, expect, it } from '@jest/globals';
import { assertFormContentType, readFormParams } from './form-params.js';
import { OAuthError } from './oauth.error.js';

describe('readFormParams', () => {
  it('reads single values, treats empty values as absent, and collects repeatable ones', () => {
    const params = readFormParams(
      { grant_type: 'password', scope: '', resource: ['orders-service', 'billing-service'] },
      ['resource'],
    );
    expect(params.get('grant_type')).toBe('password');
    expect(params.get('scope')).toBeUndefined();
    expect(params.getAll('resource')).toEqual(['orders-service', 'billing-service']);
    expect(params.getAll('audience')).toEqual([]);
  });

  it('requires a parameter with invalid_request when it is absent or empty', () => {
    const params = readFormParams({ grant_type: 'password', scope: '' });
    expect(params.require('grant_type')).toBe('password');
    for (const name of ['scope', 'username']) {
      expect(() => params.require(name)).toThrow(expect.objectContaining({ error: 'invalid_request' }));
    }
  });

  it.each([
    ['a repeated single-valued parameter', { scope: ['a', 'b'] }],
    ['a nested object', { scope: { a: 'b' } }],
    ['no body', undefined],
    ['a JSON array body', ['x']],
  ])('rejects %s with invalid_request', (_name, body) => {
    expect(() => readFormParams(body, ['resource'])).toThrow(OAuthError);
    try {
      readFormParams(body, ['resource']);
    } catch (error) {
      expect((error as OAuthError).error).toBe('invalid_request');
    }
  });
});

describe('readFormParams and control characters', () => {
  const errorOf = (body: Record<string, unknown>): string | undefined => {
    try {
      readFormParams(body, ['resource']);
    } catch (error) {
      return (error as OAuthError).error;
    }
    return undefined;
  };

  it.each([
    ['a NUL in client_id', { client_id: 'demo\u0000', client_secret: 's' }, 'invalid_client'],
    ['a NUL in client_secret', { client_id: 'demo-app', client_secret: 's\u0000' }, 'invalid_client'],
    ['a LF in client_secret', { client_id: 'demo-app', client_secret: 'a\nb' }, 'invalid_client'],
    ['a NUL in username', { username: 'alice\u0000', password: 'p' }, 'invalid_request'],
    ['a NUL in password', { username: 'alice', password: '\u0000' }, 'invalid_request'],
    ['a TAB in password', { username: 'alice', password: 'a\tb' }, 'invalid_request'],
    ['a NUL in grant_type', { grant_type: 'password\u0000' }, 'invalid_request'],
    ['a CR in scope', { scope: 'orders:read\r' }, 'invalid_request'],
    ['a NUL in token', { token: 'abc\u0000' }, 'invalid_request'],
    ['a NUL in one resource of several', { resource: ['orders-service', 'billing\u0000'] }, 'invalid_request'],
    ['DEL in an unknown parameter', { extra: '\u007f' }, 'invalid_request'],
  ])('refuses %s with %s', (_name, body, error) => {
    expect(errorOf(body)).toBe(error);
  });

  it('keeps printable Unicode', () => {
    const params = readFormParams({ username: 'élise', password: 'パスワード 😀' });
    expect([params.get('username'), params.get('password')]).toEqual(['élise', 'パスワード 😀']);
  });
});

describe('assertFormContentType', () => {
  it.each([
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=UTF-8',
    'Application/X-WWW-Form-Urlencoded',
  ])('accepts %s', (contentType) => {
    expect(() => assertFormContentType(contentType)).not.toThrow();
  });

  it.each(['application/json', 'text/plain', 'multipart/form-data; boundary=x', undefined])(
    'rejects %s',
    (contentType) => {
      expect(() => assertFormContentType(contentType)).toThrow(OAuthError);
    },
  );
});
