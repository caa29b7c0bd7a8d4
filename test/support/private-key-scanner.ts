/** Members that only a private (or symmetric) JWK has: RFC 7518 §6.2.2, §6.3.2, §6.4.1. */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** Something collected from a run (a table row, a topic record, a log entry): text or plain JSON data. */
export interface ScanSource {
  /** Where it comes from, for the report (`table signing_keys`, `topic auth.keys.v1 @12`, `log #40`). */
  readonly name: string;
  readonly content: unknown;
}

/** One piece of private key material found in a source. */
export interface PrivateKeyFinding {
  readonly source: string;
  /** JSON path inside the source; `jws.payload` / `json` mark what was decoded on the way. */
  readonly path: string;
  /** The secret's label, or the JWK member that should not be there. */
  readonly what: string;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Looks for private key material in everything a run left behind: the known secret values (a private key's `d`,
 * `p`, `q`, …, as base64url, base64 and hex), anywhere inside a string, and any JWK-like object (one with a `kty`)
 * that carries a private member. Strings are also decoded where key material could hide: JSON text is parsed, and
 * the header and payload of a compact JWS (events, tokens) are decoded and scanned in turn.
 *
 * @example
 * const scanner = new PrivateKeyScanner(new Map([['kid-1 d', privateJwk.d]]));
 * expect(scanner.scan([{ name: 'log', content: logger.entries }])).toEqual([]);
 */
export class PrivateKeyScanner {
  private readonly needles: { label: string; text: string }[];

  /** @param secrets label → base64url value (a private JWK member, a key-encryption key). */
  constructor(secrets: ReadonlyMap<string, string>) {
    this.needles = [...secrets].flatMap(([label, base64url]) => {
      const bytes = Buffer.from(base64url, 'base64url');
      if (bytes.length < 16) throw new TypeError(`secret ${label} is too short to be looked for`);
      return [
        { label: `${label} (base64url)`, text: bytes.toString('base64url') },
        { label: `${label} (base64)`, text: bytes.toString('base64').replace(/=+$/, '') },
        { label: `${label} (hex)`, text: bytes.toString('hex') },
      ];
    });
  }

  scan(sources: readonly ScanSource[]): PrivateKeyFinding[] {
    const findings: PrivateKeyFinding[] = [];
    for (const source of sources) this.walk(source.content, source.name, '$', findings);
    return findings;
  }

  private walk(value: unknown, source: string, path: string, findings: PrivateKeyFinding[]): void {
    if (typeof value === 'string') {
      this.scanString(value, source, path, findings);
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) => this.walk(item, source, `${path}[${index}]`, findings));
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    if (typeof record['kty'] === 'string') {
      for (const member of PRIVATE_JWK_MEMBERS) {
        if (record[member] !== undefined) findings.push({ source, path, what: `JWK member "${member}"` });
      }
    }
    for (const [key, item] of Object.entries(record)) this.walk(item, source, `${path}.${key}`, findings);
  }

  private scanString(text: string, source: string, path: string, findings: PrivateKeyFinding[]): void {
    for (const needle of this.needles) {
      // Case-insensitive for hex only: base64 is case-sensitive, a lower-cased match would be a false alarm.
      const found = needle.label.endsWith('(hex)')
        ? text.toLowerCase().includes(needle.text)
        : text.includes(needle.text);
      if (found) findings.push({ source, path, what: needle.label });
    }
    const trimmed = text.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      const parsed = parseJson(trimmed);
      if (parsed !== undefined) this.walk(parsed, source, `${path}<json>`, findings);
    }
    for (const token of text.split(/[\s"',]+/)) {
      if (!COMPACT_JWS.test(token)) continue;
      const [header, payload] = token.split('.');
      for (const [part, encoded] of [
        ['header', header],
        ['payload', payload],
      ] as const) {
        const decoded = parseJson(Buffer.from(encoded!, 'base64url').toString('utf8'));
        if (decoded !== undefined) this.walk(decoded, source, `${path}<jws.${part}>`, findings);
      }
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON after all: the string itself has been scanned already.
    return undefined;
  }
}
