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
 * - `ERR_AUDIT_LIMIT_INVALID`: `limit` is not an integer from 1 to 1000.
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
