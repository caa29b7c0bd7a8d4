import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { AdminRequestError } from './admin-request.error.js';

interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

function hasBody(headers: RequestLike['headers']): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0';
}

function isJson(contentType: string | string[] | undefined): boolean {
  return typeof contentType === 'string' && /^application\/json\s*(;|$)/i.test(contentType.trim());
}

/**
 * The request's JSON object body; a missing body is `{}`. A body of another content type is refused rather than
 * ignored (the form parser the OAuth endpoints need would otherwise read it), and so is JSON that is not an object.
 * Validated by the route's pipes like `@Body()` (`validateCustomDecorators`).
 *
 * @example
 * rotate(@JsonBody() body: RotateKeysDto) { … }
 */
export const JsonBody = createParamDecorator((_data: unknown, context: ExecutionContext): object => {
  const request = context.switchToHttp().getRequest<RequestLike>();
  if (!hasBody(request.headers)) return {};
  if (!isJson(request.headers['content-type'])) throw new AdminRequestError('ERR_CONTENT_TYPE_UNSUPPORTED');
  const { body } = request;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AdminRequestError('ERR_BODY_INVALID');
  return body;
});
