/** Unpadded base64url (RFC 4648 §5), nothing else: no padding, no whitespace, no `+` or `/`. */
const BASE64URL_TEXT = /^[A-Za-z0-9_-]*$/;
/**
 * The characters a segment may end with when its last group has 2 characters (the last one carries 4 unused low
 * bits) or 3 (2 unused bits): those whose unused bits are zero, so the segment is the encoding of its own bytes.
 */
const LAST_OF_TWO = 'AQgw';
const LAST_OF_THREE = 'AEIMQUYcgkosw048';

/**
 * True for a JWS in compact serialization (RFC 7515 §7.1) spelled the one canonical way: exactly three segments,
 * each unpadded base64url that encodes back to the same text once decoded. Lenient decoders, jose's on Node 20
 * included (`atob`), skip whitespace and ignore the unused low bits of a segment's last character, so without this
 * check one signed token or event has many spellings that all verify: a respelled copy must not pass for another
 * token, nor slip past anything that compares or counts token texts. Access tokens and events are checked alike.
 *
 * Checked on the text, without decoding: it runs before every verification, so it allocates nothing but the split.
 *
 * @example
 * ```ts
 * isCanonicalCompactJws('eyJhbGciOiJFUzI1NiJ9.e30.c2k'); // true
 * isCanonicalCompactJws('eyJhbGciOiJFUzI1NiJ9.e30.c2l'); // false: 'c2l' decodes to the same bytes as 'c2k'
 * ```
 */
export function isCanonicalCompactJws(value: string): boolean {
  const segments = value.split('.');
  return segments.length === 3 && segments.every(isCanonicalBase64url);
}

function isCanonicalBase64url(segment: string): boolean {
  if (!BASE64URL_TEXT.test(segment)) return false;
  const last = segment.charAt(segment.length - 1);
  switch (segment.length % 4) {
    case 1:
      return false; // 6 bits cannot make a byte
    case 2:
      return LAST_OF_TWO.includes(last);
    case 3:
      return LAST_OF_THREE.includes(last);
    default:
      return true;
  }
}
