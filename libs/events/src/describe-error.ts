/**
 * A short, secret-free description of an error for structured logs: name, `code` when it has one, and
 * message (never request data).
 *
 * @example
 * ```ts
 * logger.warn('publish failed', { error: describeError(error) });
 * ```
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code =
      'code' in error && (typeof error.code === 'string' || typeof error.code === 'number') ? ` ${error.code}` : '';
    return `${error.name}${code}: ${error.message}`;
  }
  return String(error);
}
