/** A user id: a canonical lower-case UUID (RFC 9562), as `randomUUID()` makes and migration 007 enforces. */
const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Whether `value` can be a user id. User ids are UUIDs so that a user's `sub` never equals a client's
 * (`client:<client id>`, see `clientSubject`): RFC 9068 §5, a client must not be taken for a user.
 *
 * @example
 * if (!isUserId(id)) throw new TypeError(`user id must be a lower-case UUID: ${id}`);
 */
export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID.test(value);
}
