import { describe, expect, it } from '@jest/globals';
import type { EventLogger } from './event-logger.js';
import { ThrottledWarnings } from './throttled-warnings.js';

type Level = keyof EventLogger;

function recorder(): { logger: EventLogger; lines: [Level, string, Record<string, unknown> | undefined][] } {
  const lines: [Level, string, Record<string, unknown> | undefined][] = [];
  const at =
    (level: Level) =>
    (msg: string, fields?: Record<string, unknown>): void =>
      void lines.push([level, msg, fields]);
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

describe('ThrottledWarnings', () => {
  it.each([
    ['the first report', [0], ['warn']],
    ['repeats within the interval go to debug', [0, 1, 59_999], ['warn', 'debug', 'debug']],
    ['the first report after the interval is a warning again', [0, 30_000, 60_000], ['warn', 'debug', 'warn']],
    [
      'the interval counts from the last warning, not the last report',
      [0, 50_000, 100_000, 120_000],
      ['warn', 'debug', 'warn', 'debug'],
    ],
  ])('%s', (_case, times, levels) => {
    const { logger, lines } = recorder();
    let now = 0;
    const warnings = new ThrottledWarnings(logger, { intervalMs: 60_000, now: () => now });
    for (const time of times) {
      now = time;
      warnings.warn('broker away', { attempt: time });
    }
    expect(lines.map(([level]) => level)).toEqual(levels);
    expect(lines.map(([, , fields]) => fields?.attempt)).toEqual(times);
  });

  it('says how many reports it held back, and keeps every detail at debug', () => {
    const { logger, lines } = recorder();
    let now = 0;
    const warnings = new ThrottledWarnings(logger, { now: () => now });
    for (now = 0; now < 60_000; now += 1000) warnings.warn('relay step failed', { error: 'ECONNREFUSED' });
    warnings.error('topics would lose events', { error: 'retention' });
    expect(lines.filter(([level]) => level === 'debug')).toHaveLength(59);
    expect(lines.at(-1)).toEqual(['error', 'topics would lose events', { error: 'retention', suppressedWarnings: 59 }]);
  });

  it('shares one interval between warnings and errors of a component', () => {
    const { logger, lines } = recorder();
    const warnings = new ThrottledWarnings(logger, { now: () => 0 });
    warnings.error('misconfigured');
    warnings.warn('still failing');
    expect(lines.map(([level]) => level)).toEqual(['error', 'debug']);
  });

  it('refuses a negative or fractional interval with a TypeError naming it', () => {
    const { logger } = recorder();
    for (const intervalMs of [-1, 1.5]) {
      expect(() => new ThrottledWarnings(logger, { intervalMs })).toThrow(
        expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('"intervalMs"') }),
      );
    }
  });
});
