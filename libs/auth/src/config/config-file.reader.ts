import { readFileSync } from 'node:fs';

/**
 * Reads a file a `*_FILE` variable names (a certificate, a key, a password), for the config parsers of this
 * folder. A failure is a `TypeError` naming the variable and the path, never the content.
 *
 * @example
 * ```ts
 * const cert = readConfigFile('ORDERS_TLS_CERT_FILE', '/run/secrets/orders.pem');
 * ```
 */
export function readConfigFile(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TypeError(`${variable}: cannot read ${path}`, { cause: error });
  }
}
