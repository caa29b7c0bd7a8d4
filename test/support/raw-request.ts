import { request } from 'node:http';

/** What {@link rawGet} read back. */
export interface RawResponse {
  readonly status: number;
  /** Lower-case names; the values of a repeated field joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * `GET url` with exactly the header lines given, in order and byte for byte: unlike `fetch`, which merges a
 * repeated field into one line and refuses some values, this can send two `Authorization` lines, a tab, or a
 * header longer than the server's limit.
 */
export function rawGet(url: string, headerLines: readonly (readonly [string, string])[]): Promise<RawResponse> {
  const target = new URL(url);
  const flat = [['Host', target.host] as const, ...headerLines].flatMap(([name, value]) => [name, value]);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      // A connection of its own: a server that refuses a request may close the socket a pooled next one would reuse.
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers: flat,
        agent: false,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
          }
          resolve({ status: response.statusCode!, headers, body });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}
