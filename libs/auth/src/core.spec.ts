import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const aliases: Record<string, string> = {
  '@app/auth': join(here, 'index.ts'),
  '@app/auth/core': join(here, 'core.ts'),
  '@app/auth/passport': join(here, 'passport/index.ts'),
  '@app/events': join(here, '../../events/src/index.ts'),
  '@app/events/kafka': join(here, '../../events/src/kafka/index.ts'),
};

/** `import … from` and `export … from` statements, with what they import and from where. */
const IMPORT_FROM = /^(?:import|export)\s+([^;]*?)\s+from\s+'([^']+)'/gms;

/** Erased by the compiler: `import type …`, or a braced list whose every name is marked `type`. */
function isTypeOnly(clause: string): boolean {
  if (clause.startsWith('type ')) return true;
  if (!/^\{.*\}$/s.test(clause)) return false;
  const names = clause
    .slice(1, -1)
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return names.every((name) => name.startsWith('type '));
}

function runtimeImports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT_FROM)]
    .filter(([, clause]) => !isTypeOnly(clause.trim()))
    .map(([, , specifier]) => specifier);
}

/** Every bare package a module loads, following relative and alias imports through the repository. */
function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of runtimeImports(file)) {
      if (specifier in aliases) visit(aliases[specifier]);
      else if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return packages;
}

describe('the framework-free core entry', () => {
  it('loads neither Nest, nor a Kafka client, nor class-validator', () => {
    const loaded = [...packagesLoadedBy(aliases['@app/auth/core'])];
    expect(
      loaded.filter((name) => /^(@nestjs\/|kafkajs|class-validator|class-transformer|prom-client)/.test(name)),
    ).toEqual([]);
    expect(loaded).toContain('jose');
  });

  it('is told apart from the Nest entry, which does load them (the check can fail)', () => {
    const loaded = [...packagesLoadedBy(aliases['@app/auth'])];
    expect(loaded).toEqual(expect.arrayContaining(['@nestjs/common', 'kafkajs', 'class-validator']));
  });
});

describe('the Passport entry', () => {
  const PASSPORT = /^(@nestjs\/passport|passport|passport-jwt)$/;

  it('is the only entry that loads Passport', () => {
    for (const entry of ['@app/auth/core', '@app/auth']) {
      expect([...packagesLoadedBy(aliases[entry])].filter((name) => PASSPORT.test(name))).toEqual([]);
    }
    expect([...packagesLoadedBy(aliases['@app/auth/passport'])]).toEqual(
      expect.arrayContaining(['@nestjs/passport', 'passport-jwt']),
    );
  });
});
