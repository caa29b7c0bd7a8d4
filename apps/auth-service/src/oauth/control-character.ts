/** C0 and C1 control characters, DEL included (Unicode general category Cc). */
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Does `value` contain a control character? No OAuth parameter may (RFC 6749 Appendix A: client credentials are
 * VSCHAR, usernames and passwords have no CR/LF, the others are narrower still), and a NUL would reach Postgres,
 * which refuses it in text. Refused while parsing, so such a value is never looked up.
 *
 * @example
 * hasControlCharacter('demo\u0000app'); // true
 */
export function hasControlCharacter(value: string): boolean {
  return CONTROL_CHARACTER.test(value);
}
