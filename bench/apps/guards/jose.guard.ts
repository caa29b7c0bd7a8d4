import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { createLocalJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { IssuerKeys } from './issuer-keys.js';

/** Options of {@link JoseGuard}: what jose's `jwtVerify` checks besides the signature. */
export abstract class JoseGuardOptions {
  abstract readonly issuer: string;
  abstract readonly audience: string[];
  abstract readonly algorithms: string[];
}

/** A custom guard on jose `jwtVerify` with a local JWKS (key by `kid`, issuer, audience, algorithms, `exp`). */
@Injectable()
export class JoseGuard implements CanActivate {
  private readonly keySet: JWTVerifyGetKey;

  constructor(
    @Inject(IssuerKeys) keys: IssuerKeys,
    @Inject(JoseGuardOptions) private readonly options: JoseGuardOptions,
  ) {
    this.keySet = createLocalJWKSet(keys.jwks);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const authorization = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>()
      .headers.authorization;
    if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) throw new UnauthorizedException();
    try {
      await jwtVerify(authorization.slice('Bearer '.length), this.keySet, this.options);
    } catch (error) {
      throw new UnauthorizedException(undefined, { cause: error });
    }
    return true;
  }
}
