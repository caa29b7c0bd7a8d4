import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { JWK } from 'jose';
import { SigningKeyStore } from './signing-key.store.js';

/**
 * `GET /.well-known/jwks.json` (RFC 7517): the public keys of usable signing keys, with `kid`, `alg`, `use: 'sig'`.
 *
 * @example
 * curl http://127.0.0.1:3000/.well-known/jwks.json
 */
@Controller('.well-known')
export class JwksController {
  constructor(@Inject(SigningKeyStore) private readonly keys: SigningKeyStore) {}

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=60')
  jwks(): { keys: JWK[] } {
    return this.keys.jwks();
  }
}
