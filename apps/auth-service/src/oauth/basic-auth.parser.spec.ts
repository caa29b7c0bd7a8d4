import { describe, expect, it } from '@jest/globals';
import { formUrlDecode, isBasicAuthorization, parseBasicAuthorization } from './basic-auth.parser.js';
import { OAuthError } from './oauth.error.js';

const basic = (raw: string): string => `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`;

describe('parseBasicAuthorization', () => {
  it.each([
    ['plain id and secret', basic('demo-app:dev-only-demo-app-secret'), 'demo-app', 'dev-only-demo-app-secret'],
    ['lower-case scheme', basic('a:b').replace('Basic', 'basic'), 'a', 'b'],
    ['secret containing a colon (split on the first)', basic('a:b:c'), 'a', 'b:c'],
    ['form-url-encoded colon in the id', basic('my%3Aclient:s'), 'my:client', 's'],
    ['plus means space (§2.3.1 / Appendix B)', basic('my+client:se+cret'), 'my client', 'se cret'],
    ['percent-encoded plus stays a plus', basic('a:x%2By'), 'a', 'x+y'],
    ['utf-8 percent-encoding', basic('a:%C3%A9t%C3%A9'), 'a', 'été'],
    ['empty secret', basic('a:'), 'a', ''],
    ['surrounding whitespace', `  ${basic('a:b')}  `, 'a', 'b'],
  ])('%s', (_name, header, clientId, clientSecret) => {
    expect(parseBasicAuthorization(header)).toEqual({ clientId, clientSecret });
  });

  it.each([
    ['no credentials', 'Basic'],
    ['not base64', 'Basic !!!'],
    ['no colon', basic('demo-app')],
    ['bad percent escape', basic('a%ZZ:b')],
    ['empty client id', basic(':secret')],
    ['two tokens', 'Basic YTpi YTpi'],
    ['a NUL in the id', basic('demo\u0000app:secret')],
    ['a percent-encoded NUL in the id', basic('demo%00app:secret')],
    ['a percent-encoded NUL in the secret', basic('demo-app:secret%00')],
    ['a LF in the secret', basic('demo-app:a%0Ab')],
    ['invalid UTF-8', `Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`],
  ])('rejects %s with invalid_client flagged as Basic', (_name, header) => {
    let thrown: unknown;
    try {
      parseBasicAuthorization(header);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OAuthError);
    expect((thrown as OAuthError).error).toBe('invalid_client');
  });
});

describe('isBasicAuthorization', () => {
  it.each([
    ['Basic abc', true],
    ['basic abc', true],
    ['BASIC', true],
    ['Bearer abc', false],
    ['Basically', false],
    [undefined, false],
  ] as const)('%s → %s', (header, expected) => {
    expect(isBasicAuthorization(header)).toBe(expected);
  });
});

describe('formUrlDecode', () => {
  it.each([
    ['a+b', 'a b'],
    ['a%20b', 'a b'],
    ['%2B', '+'],
    ['%E0%A4%A', undefined],
  ])('%s → %s', (input, expected) => {
    expect(formUrlDecode(input)).toBe(expected);
  });
});
