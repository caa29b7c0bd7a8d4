/**
 * True for a JWS in compact serialization (RFC 7515 §7.1) spelled the one canonical way: exactly three segments,
 * each unpadded base64url that encodes back to the same text once decoded. Lenient decoders, jose's on Node 20
 * included (`atob`), skip whitespace and ignore the unused low bits of a segment's last character, so without this
 * check one signed token or event has many spellings that all verify: a respelled copy must not pass for another
 * token, nor slip past anything that compares or counts token texts. Access tokens and events are checked alike.
 *
 * @example
 * ```ts
 * isCanonicalCompactJws('eyJhbGciOiJFUzI1NiJ9.e30.c2k'); // true
 * isCanonicalCompactJws('eyJhbGciOiJFUzI1NiJ9.e30.c2l'); // false: 'c2l' decodes to the same bytes as 'c2k'
 * ```
 */
export function isCanonicalCompactJws(value: string): boolean {
  const segments = value.split('.');
  return (
    segments.length === 3 &&
    segments.every((segment) => Buffer.from(segment, 'base64url').toString('base64url') === segment)
  );
}
