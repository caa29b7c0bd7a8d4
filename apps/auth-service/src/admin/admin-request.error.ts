import { SIGNING_ALGORITHMS } from '../keys/signing-key.generator.js';

/**
 * Why an admin request was refused as bad input (400 `invalid_request`). Stable: clients branch on them.
 * - `ERR_CONTENT_TYPE_UNSUPPORTED`: a body that is not `application/json`;
 * - `ERR_BODY_INVALID`: a JSON body that is not an object;
 * - `ERR_PARAMETER_UNKNOWN`: a body member or query parameter the route does not take;
 * - `ERR_ALG_UNSUPPORTED`: `alg` is not `ES256`, `EdDSA` or `RS256`;
 * - `ERR_REASON_INVALID`: `reason` missing, not a string, blank or longer than 1024 characters;
 * - `ERR_KID_INVALID`: a `kid` longer than 256 characters;
 * - `ERR_AUDIT_TYPE_UNKNOWN`: `type` is not in the audit vocabulary (`AUDIT_EVENTS`);
 * - `ERR_AUDIT_SINCE_INVALID`: `since` is neither an RFC 3339 date-time nor a NumericDate;
 * - `ERR_AUDIT_LIMIT_INVALID`: `limit` is not an integer from 1 to 1000;
 * - `ERR_REVOCATION_TYPE_INVALID`: `type` is not `token`, `session`, `subject` or `client`;
 * - `ERR_REVOCATION_VALUE_INVALID`: `value` missing, not a string, or not 1 to 256 visible ASCII characters;
 * - `ERR_USERNAME_INVALID`: `username` missing, not a string, or not 1 to 128 visible characters;
 * - `ERR_PASSWORD_INVALID`: `password` missing, not a string, or not 8 to 1024 characters;
 * - `ERR_ROLES_INVALID`: `roles` not an array of at most 64 strings of 1 to 128 characters;
 * - `ERR_DISABLED_INVALID`: `disabled` not a boolean;
 * - `ERR_USER_ID_INVALID`: a user `id` longer than 256 characters.
 */
export const ADMIN_REQUEST_ERROR_CODES = [
  'ERR_CONTENT_TYPE_UNSUPPORTED',
  'ERR_BODY_INVALID',
  'ERR_PARAMETER_UNKNOWN',
  'ERR_ALG_UNSUPPORTED',
  'ERR_REASON_INVALID',
  'ERR_KID_INVALID',
  'ERR_AUDIT_TYPE_UNKNOWN',
  'ERR_AUDIT_SINCE_INVALID',
  'ERR_AUDIT_LIMIT_INVALID',
  'ERR_REVOCATION_TYPE_INVALID',
  'ERR_REVOCATION_VALUE_INVALID',
  'ERR_USERNAME_INVALID',
  'ERR_PASSWORD_INVALID',
  'ERR_ROLES_INVALID',
  'ERR_DISABLED_INVALID',
  'ERR_USER_ID_INVALID',
] as const;
export type AdminRequestErrorCode = (typeof ADMIN_REQUEST_ERROR_CODES)[number];

/** The public message of each code: fixed, it names the field and never echoes a value. */
const MESSAGES: Record<AdminRequestErrorCode, string> = {
  ERR_CONTENT_TYPE_UNSUPPORTED: 'The request body must be application/json',
  ERR_BODY_INVALID: 'The request body must be a JSON object',
  ERR_PARAMETER_UNKNOWN: 'The request has a parameter this route does not take',
  ERR_ALG_UNSUPPORTED: `"alg" must be one of ${SIGNING_ALGORITHMS.join(', ')}`,
  ERR_REASON_INVALID: '"reason" must be a non-blank string of at most 1024 characters',
  ERR_KID_INVALID: '"kid" must be at most 256 characters',
  ERR_AUDIT_TYPE_UNKNOWN: '"type" must be an audit event type',
  ERR_AUDIT_SINCE_INVALID: '"since" must be an RFC 3339 date-time with an offset, or a NumericDate',
  ERR_AUDIT_LIMIT_INVALID: '"limit" must be an integer from 1 to 1000',
  ERR_REVOCATION_TYPE_INVALID: '"type" must be one of token, session, subject, client',
  ERR_REVOCATION_VALUE_INVALID: '"value" must be a string of 1 to 256 visible ASCII characters',
  ERR_USERNAME_INVALID: '"username" must be a string of 1 to 128 visible characters',
  ERR_PASSWORD_INVALID: '"password" must be a string of 8 to 1024 characters',
  ERR_ROLES_INVALID: '"roles" must be an array of at most 64 role names',
  ERR_DISABLED_INVALID: '"disabled" must be a boolean',
  ERR_USER_ID_INVALID: '"id" must be at most 256 characters',
};

/**
 * Bad input to an admin route: answered 400 `{ "error": "invalid_request", "errorCode", "message" }` by
 * `AdminExceptionFilter`.
 *
 * @example
 * throw new AdminRequestError('ERR_BODY_INVALID');
 */
export class AdminRequestError extends Error {
  constructor(readonly code: AdminRequestErrorCode) {
    super(MESSAGES[code]);
    this.name = 'AdminRequestError';
  }
}
