/** Properties that identify an error without quoting anything: codes, statuses, body-parser `type`s. */
const IDENTIFIERS = ['code', 'status', 'type'] as const;

/** Deep enough for every wrapper here (filter → HttpException → parser error); a cycle cannot loop. */
const MAX_CAUSES = 4;

/**
 * An error for the log by its type only: name and identifiers (`code`, `status`, `type`), then its causes'. Never its
 * message, which may quote the request: a JSON parser's message shows the text it choked on, a Postgres error the
 * value it refused.
 *
 * @example
 * describeErrorType(error); // 'BadRequestException 400 <- SyntaxError 400 entity.parse.failed'
 */
export function describeErrorType(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSES && current !== undefined; depth += 1) {
    parts.push(typeOf(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(' <- ');
}

/**
 * Where an error was thrown: the `at …` lines of its stack, without the message lines above them.
 *
 * @example
 * logger.error({ msg: 'request failed', error: describeErrorType(error), at: stackFrames(error) });
 */
export function stackFrames(error: unknown): string[] {
  if (!(error instanceof Error) || error.stack === undefined) return [];
  return error.stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .map((line) => line.trim());
}

function typeOf(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const record = error as unknown as Record<string, unknown>;
  const identifiers = IDENTIFIERS.map((key) => record[key]).filter(
    (value): value is string | number => typeof value === 'string' || typeof value === 'number',
  );
  return [error.name, ...identifiers].join(' ');
}
