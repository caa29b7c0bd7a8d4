import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { JWK } from 'jose';
import { SigningKeyStore } from './signing-key.store.js';

/**
 * `GET /.well-known/jwks.json` (RFC 7517): the public keys in states next, current and previous, each with `kid`,
 * `alg`, `use: 'sig'`; never cached.
 *
 * @example
 * curl http://127.0.0.1:3000/.well-known/jwks.json
 */
@ApiTags('discovery')
@Controller('.well-known')
export class JwksController {
  constructor(@Inject(SigningKeyStore) private readonly keys: SigningKeyStore) {}

  @Get('jwks.json')
  @ApiOperation({ summary: 'The public signing keys: next, current and previous (RFC 7517)' })
  // Key changes reach verifiers as events within milliseconds; a cache in between (shared or not) could hand one a
  // set older than an event it must verify, so nobody keeps this answer.
  @Header('Cache-Control', 'no-store')
  jwks(): { keys: JWK[] } {
    return this.keys.jwks();
  }
}
