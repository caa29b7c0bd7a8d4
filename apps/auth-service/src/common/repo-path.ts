import { existsSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Finds a path of the repository (e.g. `apps/auth-service/migrations`) by walking up from this module's folder.
 * Works the same from the TypeScript sources (jest) and from the compiled `dist/` tree.
 *
 * @example
 * const dir = findRepoPath('config/dev-seed.json'); // '/work/main/config/dev-seed.json' or undefined
 */
export function findRepoPath(
  relative: string,
  from: string = dirname(fileURLToPath(import.meta.url)),
): string | undefined {
  let current = from;
  for (;;) {
    const candidate = join(current, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(current);
    if (parent === current || current === parse(current).root) return undefined;
    current = parent;
  }
}
