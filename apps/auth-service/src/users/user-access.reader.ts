import type { SqlExecutor } from '../storage/database.js';

/**
 * The scopes a user's roles grant, sorted and unique, as an SQL expression over the `users` row aliased `u`: one
 * definition for the login and for every refresh.
 */
export const USER_SCOPES_SQL =
  'ARRAY(SELECT DISTINCT s FROM roles r, unnest(r.scopes) s WHERE r.name = ANY(u.roles) ORDER BY s)';

/** A user's standing now: whether it may obtain tokens, and with which scopes. */
export interface UserAccess {
  disabled: boolean;
  scopes: string[];
}

/**
 * Reads a user's current standing (a refresh re-checks it: roles may have changed, the user may be disabled);
 * `undefined` for an unknown id.
 *
 * @example
 * const access = await readUserAccess(tx, session.userId);
 * if (access === undefined || access.disabled) { … }
 */
export async function readUserAccess(executor: SqlExecutor, userId: string): Promise<UserAccess | undefined> {
  const [row] = await executor.query<{ disabled: boolean; scopes: string[] | null }>(
    `SELECT u.disabled, ${USER_SCOPES_SQL} AS scopes FROM users u WHERE u.id = $1`,
    [userId],
  );
  return row === undefined ? undefined : { disabled: row.disabled, scopes: row.scopes ?? [] };
}
