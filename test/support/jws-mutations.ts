import fc from 'fast-check';
import { jsonSegment } from './crafted-tokens.js';

/** One way of damaging a compact JWS, named so a failing run says which. */
export interface JwsMutation {
  readonly kind: string;
  readonly jws: string;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A character a mutation may write: mostly the base64url alphabet (what a bit flip in transit or a careless copy
 * produces), also the rest of RFC 6750's b64token, separators, padding, whitespace, controls and any code point.
 */
const character = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...BASE64URL) },
  { weight: 2, arbitrary: fc.constantFrom('.', '=', '+', '/', '~', ' ', '\t', '\u0000', '\u00e9', '\ufffd') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

/** Header or claim names a mutation may set: the ones verifiers act on, and any other. */
const memberName = fc.oneof(
  fc.constantFrom('alg', 'kid', 'typ', 'crit', 'b64', 'jwk', 'jku', 'x5u', 'x5c', 'cty', 'enc', 'zip'),
  fc.constantFrom('iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'client_id', 'scope', 'sid', 'events'),
  fc.string({ maxLength: 8 }),
);

const segmentIndex = fc.constantFrom(0, 1, 2);

function segmentsOf(jws: string): string[] {
  return jws.split('.');
}

function decodeJson(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

/** Replaces segment `index` of `jws` by what `change` makes of it. */
function inSegment(jws: string, index: number, change: (segment: string) => string): string {
  const segments = segmentsOf(jws);
  segments[index] = change(segments[index] ?? '');
  return segments.join('.');
}

/**
 * Mutations of the valid compact JWSs in `valid`, for property tests of verifiers: a character replaced, inserted
 * or removed in one segment, a byte of one segment's decoded content flipped (re-encoded canonically, so the
 * damage is to the content, not the spelling), truncation, segments spliced from several valid JWSs, the header or
 * the payload re-encoded with members added or replaced by any JSON (signature kept), segments added or dropped.
 * A mutation can give back one of the valid JWSs (same character written, a splice of one token's own segments):
 * the property decides what such a value must do.
 *
 * @example
 * ```ts
 * await fc.assert(fc.asyncProperty(mutatedJws(tokens), async ({ jws }) => { ... }), { seed: 42, numRuns: 300 });
 * ```
 */
export function mutatedJws(valid: readonly string[]): fc.Arbitrary<JwsMutation> {
  const pick = fc.constantFrom(...valid);
  const mutation = (kind: string, arbitrary: fc.Arbitrary<string>): fc.Arbitrary<JwsMutation> =>
    arbitrary.map((jws) => ({ kind, jws }));
  return fc.oneof(
    mutation(
      'replace a character',
      fc
        .tuple(pick, segmentIndex, fc.nat(), character)
        .map(([jws, index, at, char]) =>
          inSegment(jws, index, (s) =>
            s === '' ? char : `${s.slice(0, at % s.length)}${char}${s.slice((at % s.length) + 1)}`,
          ),
        ),
    ),
    mutation(
      'insert a character',
      fc
        .tuple(pick, segmentIndex, fc.nat(), character)
        .map(([jws, index, at, char]) =>
          inSegment(jws, index, (s) => `${s.slice(0, at % (s.length + 1))}${char}${s.slice(at % (s.length + 1))}`),
        ),
    ),
    mutation(
      'delete a character',
      fc
        .tuple(pick, segmentIndex, fc.nat())
        .map(([jws, index, at]) =>
          inSegment(
            jws,
            index,
            (s) => `${s.slice(0, at % Math.max(s.length, 1))}${s.slice((at % Math.max(s.length, 1)) + 1)}`,
          ),
        ),
    ),
    mutation(
      'flip a byte of the decoded segment',
      fc.tuple(pick, segmentIndex, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([jws, index, at, mask]) =>
        inSegment(jws, index, (s) => {
          const bytes = Buffer.from(s, 'base64url');
          if (bytes.length === 0) return s;
          bytes[at % bytes.length]! ^= mask;
          return bytes.toString('base64url');
        }),
      ),
    ),
    mutation(
      'truncate',
      fc.tuple(pick, fc.nat()).map(([jws, at]) => jws.slice(0, at % jws.length)),
    ),
    mutation(
      'splice segments of several valid JWSs',
      fc.tuple(pick, pick, pick).map(([a, b, c]) => [segmentsOf(a)[0], segmentsOf(b)[1], segmentsOf(c)[2]].join('.')),
    ),
    mutation(
      're-encode the header with other members',
      fc
        .tuple(pick, fc.dictionary(memberName, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }))
        .map(([jws, members]) => inSegment(jws, 0, (s) => jsonSegment({ ...(decodeJson(s) as object), ...members }))),
    ),
    mutation(
      're-encode the payload with other members',
      fc
        .tuple(pick, fc.dictionary(memberName, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }))
        .map(([jws, members]) => inSegment(jws, 1, (s) => jsonSegment({ ...(decodeJson(s) as object), ...members }))),
    ),
    mutation(
      'add segments',
      fc
        .tuple(
          pick,
          fc.array(fc.constantFrom('', 'e30', 'AA', segmentsOf(valid[0]!)[2]!), { minLength: 1, maxLength: 2 }),
        )
        .map(([jws, extra]) => [jws, ...extra].join('.')),
    ),
    mutation(
      'drop a segment',
      fc.tuple(pick, segmentIndex).map(([jws, index]) =>
        segmentsOf(jws)
          .filter((_, i) => i !== index)
          .join('.'),
      ),
    ),
  );
}
