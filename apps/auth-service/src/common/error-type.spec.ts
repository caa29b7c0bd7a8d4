import { BadRequestException, HttpException } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { describeErrorType, stackFrames } from './error-type.js';

/** What body-parser throws for a body that is not JSON: its message quotes the body. */
function parserError(): Error {
  let error: Error;
  try {
    JSON.parse('{"s": leaked}');
    throw new Error('unreachable');
  } catch (caught) {
    error = caught as Error;
  }
  return Object.assign(error, { status: 400, type: 'entity.parse.failed' });
}

describe('describeErrorType', () => {
  it('names the error and its causes by type, never by message', () => {
    const cause = parserError();
    expect(cause.message).toContain('leaked');
    const described = describeErrorType(new BadRequestException(cause.message, { cause }));
    expect(described).toBe('BadRequestException 400 <- SyntaxError 400 entity.parse.failed');
    expect(described).not.toContain('leaked');
  });

  it.each([
    [
      'a Postgres-like error',
      Object.assign(new Error('invalid input syntax: "alice"'), { code: '22P02' }),
      'Error 22P02',
    ],
    ['an HttpException', new HttpException('x', 413), 'HttpException 413'],
    ['a thrown string', 'boom', 'string'],
  ])('describes %s', (_name, error, expected) => {
    expect(describeErrorType(error)).toBe(expected);
  });

  it('stops on a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(describeErrorType(a).split(' <- ')).toHaveLength(5);
  });
});

describe('stackFrames', () => {
  it('keeps the frames and drops the message, even a multi-line one', () => {
    const frames = stackFrames(new Error('first line with secret\nsecond line with secret'));
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.every((frame) => frame.startsWith('at '))).toBe(true);
    expect(frames.join('\n')).not.toContain('secret');
  });

  it('has none for a non-error', () => {
    expect(stackFrames('boom')).toEqual([]);
  });
});
