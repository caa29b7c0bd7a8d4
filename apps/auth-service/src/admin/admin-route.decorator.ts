import {
  applyDecorators,
  Controller,
  Get,
  Header,
  HttpCode,
  Patch,
  Post,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { JwtAuthGuard, Scopes } from '@app/auth';
import { ADMIN_ERROR_SCHEMA } from '../openapi/oauth-api.schemas.js';
import { OPENAPI_SECURITY } from '../openapi/openapi.setup.js';
import { ADMIN_SCOPE } from './admin-auth.options.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';
import { createAdminValidationPipe } from './admin-validation.pipe.js';

/**
 * A controller under `/admin/<path>`: every route needs a bearer token for `auth-service` with scope `auth:admin`
 * (401/403 per RFC 6750 otherwise), validates its input into `AdminRequestError`s and answers them, and the key
 * lifecycle errors, as JSON (`AdminExceptionFilter`). Documented under the `admin` tag with its bearer token.
 *
 * @example
 * @AdminController('keys')
 * export class AdminKeysController { … }
 */
export function AdminController(path: string): ClassDecorator {
  return applyDecorators(
    Controller(`admin/${path}`),
    UseGuards(JwtAuthGuard),
    Scopes(ADMIN_SCOPE),
    UseFilters(AdminExceptionFilter),
    UsePipes(createAdminValidationPipe()),
    ApiTags('admin'),
    ApiBearerAuth(OPENAPI_SECURITY.bearer),
    ApiBadRequestResponse({ description: 'invalid_request with its errorCode', schema: ADMIN_ERROR_SCHEMA }),
    ApiUnauthorizedResponse({ description: 'RFC 6750: no token, or invalid_token (WWW-Authenticate: Bearer)' }),
    ApiForbiddenResponse({ description: 'RFC 6750 insufficient_scope: auth:admin is required' }),
  );
}

const ROUTE_METHODS = { GET: Get, POST: Post, PATCH: Patch } as const;

/**
 * One admin route: `status` on success (default 200, also for `POST` when nothing is created at the request URL:
 * 201 for a created resource, 202 for a change that reaches the services through the outbox) and
 * `Cache-Control: no-store` (keys, users and audit entries are not for caches).
 *
 * @example
 * @AdminEndpoint('POST', 'rotate') rotate(…) { … }
 * @AdminEndpoint('POST', undefined, 201) create(…) { … }
 */
export function AdminEndpoint(method: keyof typeof ROUTE_METHODS, path?: string, status = 200): MethodDecorator {
  return applyDecorators(ROUTE_METHODS[method](path), HttpCode(status), Header('Cache-Control', 'no-store'));
}
