import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { KeyRotationRefusedError, UnknownSigningKeyError } from '../keys/key-lifecycle.errors.js';
import { UnknownRevocationTargetError } from '../revocations/revocation-target.errors.js';
import { UnknownRoleError, UnknownUserError, UsernameTakenError } from '../users/user-admin.errors.js';
import { AdminRequestError } from './admin-request.error.js';

/** An admin error answer: status, the `error` class, and headers beyond the defaults. */
interface AdminErrorAnswer {
  status: number;
  error: 'invalid_request' | 'not_found' | 'conflict';
  errorCode: string;
  message: string;
  headers?: Record<string, string>;
}

type AdminError =
  | AdminRequestError
  | UnknownSigningKeyError
  | KeyRotationRefusedError
  | UnknownRevocationTargetError
  | UnknownUserError
  | UsernameTakenError
  | UnknownRoleError;

/** The fixed public message of each unknown revocation target. */
const UNKNOWN_TARGET_MESSAGES = {
  session: 'No session has this id',
  subject: 'No user has this id',
  client: 'No client has this id',
} as const;

/** Public messages are fixed per code: the error's own message names the kid it was given, never echoed back. */
function answerFor(error: AdminError): AdminErrorAnswer {
  if (error instanceof AdminRequestError) {
    return { status: 400, error: 'invalid_request', errorCode: error.code, message: error.message };
  }
  if (error instanceof UnknownSigningKeyError) {
    return { status: 404, error: 'not_found', errorCode: error.code, message: 'No signing key has this kid' };
  }
  if (error instanceof UnknownRevocationTargetError) {
    return { status: 404, error: 'not_found', errorCode: error.code, message: UNKNOWN_TARGET_MESSAGES[error.kind] };
  }
  if (error instanceof UnknownUserError) {
    return { status: 404, error: 'not_found', errorCode: error.code, message: 'No user has this id' };
  }
  if (error instanceof UsernameTakenError) {
    return { status: 409, error: 'conflict', errorCode: error.code, message: 'Another user has this username' };
  }
  if (error instanceof UnknownRoleError) {
    return { status: 400, error: 'invalid_request', errorCode: error.code, message: '"roles" names an unknown role' };
  }
  return {
    status: 409,
    error: 'conflict',
    errorCode: error.code,
    message: 'The next key has not been published long enough to become current',
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(error.retryAfterSeconds))) },
  };
}

/**
 * Answers the admin API's own errors as JSON `{ "error", "errorCode", "message" }` with `Cache-Control: no-store`:
 * bad input 400 `invalid_request` (an unknown role too), an unknown `kid`, session, user or client 404, a taken
 * username 409, a rotation before the next key was published long enough
 * 409 with `Retry-After`. Token failures (`AuthError`) pass on to `AuthExceptionFilter` (RFC 6750).
 *
 * @example
 * @UseFilters(AdminExceptionFilter)
 */
@Catch(
  AdminRequestError,
  UnknownSigningKeyError,
  KeyRotationRefusedError,
  UnknownRevocationTargetError,
  UnknownUserError,
  UsernameTakenError,
  UnknownRoleError,
)
export class AdminExceptionFilter implements ExceptionFilter<AdminError> {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(error: AdminError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<unknown>();
    const { httpAdapter } = this.adapterHost;
    const { status, headers, ...body } = answerFor(error);
    for (const [name, value] of Object.entries({ 'Cache-Control': 'no-store', ...headers })) {
      httpAdapter.setHeader(response, name, value);
    }
    httpAdapter.reply(response, body, status);
  }
}
