import type { SchemaObject } from '@nestjs/swagger';
import { OAUTH_ERRORS } from '../oauth/oauth.error.js';

const clientPost: Record<string, SchemaObject> = {
  client_id: { type: 'string', description: '`client_secret_post` only; else HTTP Basic (`client_secret_basic`)' },
  client_secret: { type: 'string', description: '`client_secret_post` only' },
};

/** RFC 6749 §5.2 error body, with the stable `errorCode` every answer of this service carries. */
export const OAUTH_ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string', enum: Object.values(OAUTH_ERRORS) },
    error_description: { type: 'string', description: 'fixed, client-safe text' },
    errorCode: { type: 'string', example: 'ERR_RATE_LIMITED' },
  },
};

/** `POST /oauth/token` form (RFC 6749 §4.4, §4.3, §6; RFC 8707 `resource`). */
export const TOKEN_REQUEST_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['grant_type'],
  properties: {
    grant_type: { type: 'string', enum: ['client_credentials', 'password', 'refresh_token'] },
    scope: { type: 'string', description: 'space-separated scopes', example: 'orders:read billing:read' },
    resource: {
      type: 'array',
      items: { type: 'string' },
      description: 'RFC 8707: narrows `aud` to these resource servers (repeatable)',
    },
    username: { type: 'string', description: '`password` grant' },
    password: { type: 'string', format: 'password', description: '`password` grant' },
    refresh_token: { type: 'string', description: '`refresh_token` grant: rotated on every use' },
    ...clientPost,
  },
};

/** RFC 6749 §5.1 answer. */
export const TOKEN_RESPONSE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['access_token', 'token_type', 'expires_in'],
  properties: {
    access_token: { type: 'string', description: 'RFC 9068 JWT (`typ: at+jwt`)' },
    token_type: { type: 'string', enum: ['Bearer'] },
    expires_in: { type: 'integer', example: 300 },
    scope: { type: 'string' },
    refresh_token: { type: 'string', description: 'password and refresh_token grants, for a client allowed it' },
  },
};

/** `POST /oauth/revoke` and `POST /oauth/introspect` form (RFC 7009 §2.1, RFC 7662 §2.1). */
export const TOKEN_FORM_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['token'],
  properties: {
    token: { type: 'string', description: 'an access token or a refresh token' },
    token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'], description: 'a hint, never trusted' },
    ...clientPost,
  },
};

/** RFC 7662 §2.2 answer: only `active: false` for a token that is not active. */
export const INTROSPECTION_RESPONSE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['active'],
  properties: {
    active: { type: 'boolean' },
    scope: { type: 'string' },
    client_id: { type: 'string' },
    sub: { type: 'string' },
    aud: { type: 'array', items: { type: 'string' } },
    iss: { type: 'string' },
    exp: { type: 'integer' },
    iat: { type: 'integer' },
    jti: { type: 'string' },
    sid: { type: 'string' },
    token_type: { type: 'string', enum: ['Bearer'], description: 'access tokens only' },
  },
};

/** The admin API's error body (DESIGN "Admin API") and the RFC 6750 answers of its guard. */
export const ADMIN_ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['error', 'errorCode', 'message'],
  properties: {
    error: { type: 'string', example: 'invalid_request' },
    errorCode: { type: 'string', example: 'ERR_REASON_INVALID' },
    message: { type: 'string' },
  },
};
