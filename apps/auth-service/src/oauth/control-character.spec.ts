import { describe, expect, it } from '@jest/globals';
import { hasControlCharacter } from './control-character.js';

describe('hasControlCharacter', () => {
  it.each([
    ['NUL', 'demo\u0000app'],
    ['a trailing NUL', 'secret\u0000'],
    ['TAB', 'a\tb'],
    ['LF', 'a\nb'],
    ['CR', 'a\rb'],
    ['ESC', '\u001b[31m'],
    ['DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
  ])('finds %s', (_name, value) => {
    expect(hasControlCharacter(value)).toBe(true);
  });

  it.each(['demo-app', 'dev only secret', 'été', 'パスワード', '😀', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', ''])(
    'accepts %j',
    (value) => {
      expect(hasControlCharacter(value)).toBe(false);
    },
  );
});
