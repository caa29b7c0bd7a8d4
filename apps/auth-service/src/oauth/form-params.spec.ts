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
