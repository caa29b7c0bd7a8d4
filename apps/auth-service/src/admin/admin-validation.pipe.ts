import { ValidationPipe, type ValidationError } from '@nestjs/common';
import type { ValidationOptions } from 'class-validator';
import { AdminRequestError, type AdminRequestErrorCode } from './admin-request.error.js';

/** class-validator's constraint name for a member `forbidNonWhitelisted` refuses. */
const WHITELIST_CONSTRAINT = 'whitelistValidation';

/**
 * The validation options of a DTO constraint: which {@link AdminRequestErrorCode} a failure of it is answered with.
 *
 * @example
 * class RevokeKeyDto { @IsString(errorCode('ERR_REASON_INVALID')) reason!: string; }
 */
export function errorCode(code: AdminRequestErrorCode): ValidationOptions {
  return { context: { errorCode: code } };
}

function toAdminRequestError(errors: ValidationError[]): AdminRequestError {
  for (const error of errors) {
    for (const constraint of Object.keys(error.constraints ?? {})) {
      if (constraint === WHITELIST_CONSTRAINT) return new AdminRequestError('ERR_PARAMETER_UNKNOWN');
      const code = (error.contexts?.[constraint] as { errorCode?: AdminRequestErrorCode } | undefined)?.errorCode;
      if (code !== undefined) return new AdminRequestError(code);
    }
  }
  // Every admin DTO constraint declares its code; reaching here is a DTO written without one.
  throw new TypeError(`admin DTO constraint without errorCode: ${errors.map((e) => e.property).join(', ')}`);
}

/**
 * Validates and transforms the DTOs of the admin routes (body, query and path parameters, custom decorators such as
 * `@JsonBody()` included): unknown members are refused, each failure becomes the {@link AdminRequestError} its
 * constraint names with {@link errorCode}.
 *
 * @example
 * @UsePipes(createAdminValidationPipe())
 */
export function createAdminValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validateCustomDecorators: true,
    stopAtFirstError: true,
    exceptionFactory: toAdminRequestError,
  });
}
