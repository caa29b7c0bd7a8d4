import { describe, expect, it } from '@jest/globals';
import { logLevelFromEnv } from './log-level.env.js';

describe('logLevelFromEnv', () => {
  it.each([
    [{}, 'info'],
    [{ ORDERS_LOG_LEVEL: '' }, 'info'],
    [{ ORDERS_LOG_LEVEL: 'debug' }, 'debug'],
    [{ ORDERS_LOG_LEVEL: ' warn ' }, 'warn'],
    [{ ORDERS_LOG_LEVEL: 'trace' }, 'trace'],
  ])('%j → %s', (env, level) => {
    expect(logLevelFromEnv(env, 'ORDERS')).toBe(level);
  });

  it.each(['verbose', 'DEBUG', 'log', '10'])('refuses %j, naming the variable', (value) => {
    expect(() => logLevelFromEnv({ ORDERS_LOG_LEVEL: value }, 'ORDERS')).toThrow(
      new TypeError('ORDERS_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace'),
    );
  });
});
