/**
 * Evaluates an app's real config factory (`registerAs`) against the given variables layered over
 * `process.env`, then restores `process.env`: each in-process service of a test gets its own config.
 */
export function withEnv<T>(vars: Record<string, string | undefined>, load: () => T): T {
  const saved = { ...process.env };
  try {
    for (const [name, value] of Object.entries(vars)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    return load();
  } finally {
    for (const name of Object.keys(vars)) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}
