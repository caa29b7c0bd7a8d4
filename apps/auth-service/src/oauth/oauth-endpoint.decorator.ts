import { applyDecorators, createParamDecorator, Header, HttpCode, Post, type ExecutionContext } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  type ApiResponseOptions,
} from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import { OAUTH_ERROR_SCHEMA } from '../openapi/oauth-api.schemas.js';
import { OPENAPI_SECURITY } from '../openapi/openapi.setup.js';
import { assertFormContentType, readFormParams, type FormParams } from './form-params.js';

/** What the OpenAPI document says of one OAuth endpoint. */
export interface OAuthEndpointDocs {
  readonly summary: string;
  readonly form: SchemaObject;
  /** Absent: 200 with an empty body. */
  readonly answer?: SchemaObject;
}

const oauthError = (description: string): ApiResponseOptions => ({ description, schema: OAUTH_ERROR_SCHEMA });

/**
 * `POST /oauth/<path>`: 200 on success with `Cache-Control: no-store` and `Pragma: no-cache`
 * (RFC 6749 §5.1), the way every OAuth endpoint of this service answers; documented in the OpenAPI document with
 * its form, its answer and the RFC 6749 §5.2 error shapes every OAuth endpoint shares.
 *
 * @example
 * @OAuthEndpoint('token', { summary: 'Issue a token', form: TOKEN_REQUEST_SCHEMA, answer: TOKEN_RESPONSE_SCHEMA })
 * token(@OAuthForm(['resource']) params: FormParams) { … }
 */
export function OAuthEndpoint(path: string, docs: OAuthEndpointDocs): MethodDecorator {
  return applyDecorators(
    Post(path),
    HttpCode(200),
    Header('Cache-Control', 'no-store'),
    Header('Pragma', 'no-cache'),
    ApiTags('oauth'),
    ApiOperation({ summary: docs.summary }),
    ApiConsumes('application/x-www-form-urlencoded'),
    ApiBody({ schema: docs.form }),
    ApiSecurity(OPENAPI_SECURITY.clientSecretBasic),
    ApiOkResponse(docs.answer === undefined ? { description: 'empty body' } : { schema: docs.answer }),
    ApiBadRequestResponse(oauthError('invalid_request, invalid_grant, invalid_scope, unsupported_grant_type, …')),
    ApiUnauthorizedResponse(oauthError('invalid_client (with WWW-Authenticate: Basic)')),
    ApiTooManyRequestsResponse(oauthError('temporarily_unavailable, errorCode ERR_RATE_LIMITED, with Retry-After')),
    ApiResponse({ status: 503, ...oauthError('temporarily_unavailable, with Retry-After') }),
  );
}

/**
 * The request's `application/x-www-form-urlencoded` parameters (RFC 6749 §3.2); any other content type
 * is `invalid_request`. Parameters named in `repeatable` may occur several times.
 *
 * @example
 * revoke(@Headers('authorization') authorization: string | undefined, @OAuthForm() params: FormParams) { … }
 */
export const OAuthForm = createParamDecorator(
  (repeatable: readonly string[] | undefined, context: ExecutionContext): FormParams => {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; body: unknown }>();
    assertFormContentType(request.headers['content-type']);
    return readFormParams(request.body, repeatable);
  },
);
