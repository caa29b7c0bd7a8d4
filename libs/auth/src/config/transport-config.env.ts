import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import { readConfigFile } from './config-file.reader.js';

/**
 * How a service meets its clients: HTTPS itself, a plain-HTTP port that only redirects, and the proxies allowed to
 * say a request arrived over HTTPS. Built by {@link transportConfigFromEnv}; the `@app/http` helpers apply it.
 */
export interface TransportConfig {
  /** `<PREFIX>_TLS_CERT_FILE` and `<PREFIX>_TLS_KEY_FILE` (PEM: certificate chain, private key). Absent: plain HTTP. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** `<PREFIX>_HTTP_REDIRECT_PORT`: a plain-HTTP port answering 308 to the same host and path over HTTPS. */
  readonly httpRedirectPort?: number;
  /**
   * `<PREFIX>_TRUST_PROXY`: comma list of the proxies that terminate TLS in front of the service (IP addresses,
   * CIDR ranges, or `loopback`, `linklocal`, `uniquelocal`). Only their `X-Forwarded-*` headers are believed.
   */
  readonly trustProxy?: readonly string[];
  /** Tokens only over HTTPS: in production, with TLS, or behind trusted proxies (`AuthOptions.requireHttps`). */
  readonly requireHttps: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Named address ranges that Express and Fastify (both through `proxy-addr`) accept in a trust list. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Parses the transport variables of one service: `<PREFIX>_TLS_CERT_FILE` + `<PREFIX>_TLS_KEY_FILE` (both or
 * neither; read and checked as a pair now), `<PREFIX>_HTTP_REDIRECT_PORT` (needs TLS) and `<PREFIX>_TRUST_PROXY`.
 * In production a service must not serve plain HTTP on its own: TLS, or proxies that terminate it, are required.
 * Throws a `TypeError` naming the variable. A pure parser of the record its caller passes in.
 *
 * @example
 * ```ts
 * const transport = transportConfigFromEnv(environment, 'ORDERS', { production: mode === 'production' });
 * ```
 */
export function transportConfigFromEnv(env: Env, prefix: string, mode: { production: boolean }): TransportConfig {
  const certName = `${prefix}_TLS_CERT_FILE`;
  const keyName = `${prefix}_TLS_KEY_FILE`;
  const redirectName = `${prefix}_HTTP_REDIRECT_PORT`;
  const proxyName = `${prefix}_TRUST_PROXY`;
  const tls = readTls(env, certName, keyName);
  const trustProxy = parseTrustProxy(proxyName, read(env, proxyName));
  const httpRedirectPort = parsePort(redirectName, read(env, redirectName));
  if (httpRedirectPort !== undefined && tls === undefined) {
    throw new TypeError(`${redirectName} redirects to HTTPS: it needs ${certName} and ${keyName}`);
  }
  if (mode.production && tls === undefined && trustProxy === undefined) {
    throw new TypeError(
      `NODE_ENV=production refuses plain HTTP: set ${certName} and ${keyName}, or ${proxyName} naming the proxies ` +
        'that terminate TLS',
    );
  }
  return {
    ...(tls === undefined ? {} : { tls }),
    ...(httpRedirectPort === undefined ? {} : { httpRedirectPort }),
    ...(trustProxy === undefined ? {} : { trustProxy }),
    requireHttps: mode.production || tls !== undefined || trustProxy !== undefined,
  };
}

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function readTls(env: Env, certName: string, keyName: string): TransportConfig['tls'] {
  const certFile = read(env, certName);
  const keyFile = read(env, keyName);
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new TypeError(`${certName} and ${keyName} go together: set both or neither`);
  }
  const cert = readConfigFile(certName, certFile);
  const key = readConfigFile(keyName, keyFile);
  try {
    // The same check the HTTPS server makes, at boot rather than on the first handshake.
    createSecureContext({ cert, key });
  } catch (error) {
    throw new TypeError(`${keyName} and ${certName} are not a usable PEM key and certificate pair`, { cause: error });
  }
  return { cert, key };
}

function parsePort(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65_535)) throw new TypeError(`${name} must be a TCP port number (1-65535)`);
  return port;
}

function parseTrustProxy(name: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (!isProxyRange(entry)) {
      throw new TypeError(
        `${name}: "${entry}" is not an IP address, a CIDR range other than /0, or one of ${[...PROXY_RANGE_NAMES].join(', ')}`,
      );
    }
  }
  return entries.length === 0 ? undefined : entries;
}

/** A /0 range (or `true`) would let every client claim HTTPS: refused, the list must name the proxies. */
function isProxyRange(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  return bits >= 1 && bits <= (version === 4 ? 32 : 128);
}
