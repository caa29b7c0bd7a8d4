import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { IssuerKeys } from './issuer-keys.js';
import { JoseGuardOptions } from './jose.guard.js';

/**
 * passport-jwt as most tutorials set it up: `secretOrKey` is the PEM string of the issuer's public key (parsed by
 * jsonwebtoken on every request), `AuthGuard('jwt')` on the route, `validate` returns the payload.
 */
@Injectable()
export class StandardJwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(IssuerKeys) keys: IssuerKeys, @Inject(JoseGuardOptions) options: JoseGuardOptions) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: keys.current.pem,
      issuer: options.issuer,
      audience: options.audience,
      algorithms: options.algorithms as never,
    });
  }

  validate(payload: unknown): unknown {
    return payload;
  }
}
