import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { findRepoPath } from '../common/repo-path.js';
import { parseDevSeed } from './dev-seed.js';
import { isKnownDevKey } from './known-dev-keys.js';

describe('isKnownDevKey', () => {
  const file = findRepoPath('config/dev-seed.json')!;
  const seed = parseDevSeed(JSON.parse(readFileSync(file, 'utf8')), file);

  it.each(['keyEncryptionKey', 'clientSecretHashKey'] as const)('knows the dev seed %s', (field) => {
    expect(isKnownDevKey(Buffer.from(seed[field], 'base64'))).toBe(true);
  });

  it('does not know a freshly generated key', () => {
    expect(isKnownDevKey(randomBytes(32))).toBe(false);
  });
});
