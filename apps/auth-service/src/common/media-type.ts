/**
 * The media type of a `Content-Type` header value: lower case, without parameters (RFC 9110 §8.3.1); `undefined`
 * without a header.
 *
 * @example
 * mediaTypeOf('Application/X-WWW-Form-Urlencoded; charset=UTF-8'); // 'application/x-www-form-urlencoded'
 */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}
