/**
 * No user has this id (admin API: 404).
 *
 * @example
 * if (row === undefined) throw new UnknownUserError();
 */
export class UnknownUserError extends Error {
  override readonly name = 'UnknownUserError';
  readonly code = 'ERR_USER_NOT_FOUND';

  constructor() {
    super('no such user');
  }
}

/**
 * Another user already has this username (admin API: 409).
 *
 * @example
 * if (inserted.length === 0) throw new UsernameTakenError();
 */
export class UsernameTakenError extends Error {
  override readonly name = 'UsernameTakenError';
  readonly code = 'ERR_USERNAME_TAKEN';

  constructor() {
    super('username already taken');
  }
}

/**
 * A role that is not in the `roles` table (admin API: 400 `invalid_request`).
 *
 * @example
 * if (unknown.length > 0) throw new UnknownRoleError();
 */
export class UnknownRoleError extends Error {
  override readonly name = 'UnknownRoleError';
  readonly code = 'ERR_ROLE_UNKNOWN';

  constructor() {
    super('unknown role');
  }
}
