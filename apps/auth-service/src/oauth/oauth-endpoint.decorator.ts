import { applyDecorators, createParamDecorator, Header, HttpCode, Post, type ExecutionContext } from '@nestjs/common';
import { assertFormContentType, readFormParams, type FormParams } from './form-params.js';

/**
 * `POST /oauth/<path>`: 200 on success with `Cache-Control: no-store` and `Pragma: no-cache`
 * (RFC 6749 §5.1), the way every OAuth endpoint of this service answers.
 *
 * @example
 * @OAuthEndpoint('token') token(@OAuthForm(['resource']) params: FormParams) { … }
 */
export function OAuthEndpoint(path: string): MethodDecorator {
  return applyDecorators(Post(path), HttpCode(200), Header('Cache-Control', 'no-store'), Header('Pragma', 'no-cache'));
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
