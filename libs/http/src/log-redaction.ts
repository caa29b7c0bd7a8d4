/**
 * Where a credential can sit in a log record, masked by the logger configuration itself (pino `redact`), so a log
 * call that passes one by mistake still writes `[REDACTED]`. Covers the request headers pino-http records and the
 * field names our token, client and key code uses, at the top level and one level down.
 *
 * @example
 * ```ts
 * pino({ redact: { paths: [...REDACTED_LOG_PATHS], censor: '[REDACTED]' } });
 * ```
 */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  ...[
    'authorization',
    'password',
    'secret',
    'client_secret',
    'clientSecret',
    'token',
    'access_token',
    'refresh_token',
    'accessToken',
    'refreshToken',
    'privateKey',
    'private_key',
    'd',
  ].flatMap((field) => [field, `*.${field}`]),
];
