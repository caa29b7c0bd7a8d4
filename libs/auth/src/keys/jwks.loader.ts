import { KeySourceUnavailableError } from '../errors/auth.errors.js';

/** Largest JWKS document read; a larger answer is refused before it is read whole. */
export const MAX_JWKS_BYTES = 64 * 1024;

/** Options of {@link createJwksLoader}. */
export interface JwksLoaderOptions {
  readonly jwksUri: string;
  readonly timeoutMs: number;
  /** Injected for tests; default the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/**
 * A key-set loader that reads a JWKS endpoint (RFC 7517) and returns its `keys` array unchecked (the key set
 * checks every entry). The body is read at most {@link MAX_JWKS_BYTES} far: a `Content-Length` over the limit is
 * refused before reading and a longer stream is cut off. Rejects with `KeySourceUnavailableError`.
 *
 * @example
 * ```ts
 * const load = createJwksLoader({ jwksUri: 'https://auth.example.com/.well-known/jwks.json', timeoutMs: 5_000 });
 * const entries = await load();
 * ```
 */
export function createJwksLoader(options: JwksLoaderOptions): () => Promise<unknown[]> {
  const fetchImpl = options.fetch ?? fetch;
  return async () => {
    let body: string;
    try {
      const response = await fetchImpl(options.jwksUri, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      body = await readLimited(response, MAX_JWKS_BYTES);
    } catch (error) {
      throw new KeySourceUnavailableError(`JWKS ${options.jwksUri} could not be fetched`, { cause: error });
    }
    const keys = parseKeys(body);
    if (keys === undefined) {
      throw new KeySourceUnavailableError(`JWKS ${options.jwksUri} is not a JSON Web Key Set`);
    }
    return keys;
  };
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
  if (response.body === null) return '';
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    total += next.value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`larger than ${maxBytes} bytes`);
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseKeys(body: string): unknown[] | undefined {
  try {
    const document: unknown = JSON.parse(body);
    const keys = (document as { keys?: unknown } | null)?.keys;
    return Array.isArray(keys) ? keys : undefined;
  } catch {
    return undefined;
  }
}
