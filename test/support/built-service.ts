import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../../tools/kafka/broker.mjs';

const BUILD_TIMEOUT_MS = 300_000;

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // libs/auth/dist is the package build (npm run build:auth-package): its .d.ts files are output, not sources.
    if (entry.isDirectory() && entry.name === 'dist') continue;
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function mainFile(name: string): string {
  return join(REPO_ROOT, 'dist', 'apps', name, 'src', 'main.js');
}

/**
 * Runs `npm run build` when dist/ is missing or older than any app or library source, so a spec that needs a
 * service as a separate OS process runs what the sources say. Only the specs that spawn services pay for it.
 */
export function ensureBuilt(): void {
  const built = [
    ...['auth-service', 'orders-service', 'billing-service'].map(mainFile),
    join(REPO_ROOT, 'dist', 'bench', 'apps', 'guards', 'main.js'),
  ];
  const oldestBuild = Math.min(...built.map((file) => (existsSync(file) ? statSync(file).mtimeMs : 0)));
  const newestSource = Math.max(
    ...['apps', 'libs', join('bench', 'apps')].map((dir) => newestSourceMtime(join(REPO_ROOT, dir))),
  );
  if (oldestBuild >= newestSource) return;
  const build = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: BUILD_TIMEOUT_MS });
  if (build.status !== 0) throw new Error(`npm run build failed (${build.status}): ${build.stdout}${build.stderr}`);
}

/** A built service (dist/) running as a child OS process. */
export interface ChildService {
  readonly pid: number;
  /** Every line it wrote to stdout and stderr so far. */
  readonly lines: string[];
  /** Settles when the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Runs the ESM or CommonJS file `script` with this Node binary as a child OS process, with exactly `env` and
 * `cwd`, and `args` after the script. The child dies with this process (setpriv --pdeathsig where available), so a
 * failed run leaves nothing behind.
 *
 * @example
 * const app = spawnNodeProcess('/tmp/app/dist/main.js', { cwd: '/tmp/app', env: { PATH: process.env.PATH!, PORT: '3100' } });
 * await app.kill('SIGTERM');
 */
export function spawnNodeProcess(
  script: string,
  { cwd, env, args: scriptArgs = [] }: { cwd: string; env: NodeJS.ProcessEnv; args?: string[] },
): ChildService {
  const [command, args] = existsSync('/usr/bin/setpriv')
    ? ['/usr/bin/setpriv', ['--pdeathsig', 'SIGKILL', '--', process.execPath, script, ...scriptArgs]]
    : [process.execPath, [script, ...scriptArgs]];
  const child: ChildProcess = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => lines.push(line));
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    pid: child.pid!,
    lines,
    exited,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * Starts `dist/apps/<name>/src/main.js` with `env` over this process's environment.
 *
 * @example
 * const auth = spawnBuiltService('auth-service', { NODE_ENV: 'test', AUTH_PORT: '3100', ... });
 * await auth.kill('SIGKILL');
 */
export function spawnBuiltService(name: string, env: Record<string, string>): ChildService {
  return spawnNodeProcess(mainFile(name), {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: '', ...env },
  });
}
