/** The levels an app logs at, lowest-first order is pino's: `trace` < `debug` < `info` < `warn` < `error` < `fatal`. */
export type LogLevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

const LOG_LEVELS: readonly LogLevelName[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/**
 * `<PREFIX>_LOG_LEVEL`: the lowest level an app writes, default `info` (refused tokens, logged at `debug` with
 * their code, stay out of the default output). Throws a `TypeError` naming the variable for any other value.
 *
 * @example
 * ```ts
 * logLevelFromEnv({ ORDERS_LOG_LEVEL: 'debug' }, 'ORDERS'); // 'debug'
 * ```
 */
export function logLevelFromEnv(env: Readonly<Record<string, string | undefined>>, prefix: string): LogLevelName {
  const variable = `${prefix}_LOG_LEVEL`;
  const value = env[variable]?.trim();
  if (value === undefined || value === '') return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new TypeError(`${variable} must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return value as LogLevelName;
}
