import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { verify } from 'node:crypto';
import { IssuerKeys } from './issuer-keys.js';

/** node:crypto's digest and signature encoding per JOSE algorithm (JWS signatures of ECDSA are r‖s, not DER). */
const VERIFY_PARAMS: Record<string, { digest: string | null; dsaEncoding?: 'ieee-p1363' }> = {
  ES256: { digest: 'sha256', dsaEncoding: 'ieee-p1363' },
  ES384: { digest: 'sha384', dsaEncoding: 'ieee-p1363' },
  EdDSA: { digest: null },
  Ed25519: { digest: null },
};

/**
 * The floor for a fresh token: the least a guard can do and still be a guard — split the compact JWS, find the key
 * by `kid`, `crypto.verify` with a prepared KeyObject, `JSON.parse` the payload, check `exp`. No issuer, audience,
 * scope or revocation check: what ours costs above it is the price of those.
 */
@Injectable()
export class FloorGuard implements CanActivate {
  constructor(@Inject(IssuerKeys) private readonly keys: IssuerKeys) {}

  canActivate(context: ExecutionContext): boolean {
    const authorization = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>()
      .headers.authorization;
    if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) throw new UnauthorizedException();
    const [header, payload, signature] = authorization.slice('Bearer '.length).split('.');
    if (header === undefined || payload === undefined || signature === undefined) throw new UnauthorizedException();
    const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid?: string };
    const key = kid === undefined ? undefined : this.keys.byKid.get(kid);
    const params = key === undefined ? undefined : VERIFY_PARAMS[key.alg];
    if (key === undefined || params === undefined) throw new UnauthorizedException();
    const signed = Buffer.from(`${header}.${payload}`);
    const valid = verify(
      params.digest,
      signed,
      { key: key.keyObject, dsaEncoding: params.dsaEncoding },
      Buffer.from(signature, 'base64url'),
    );
    if (!valid) throw new UnauthorizedException();
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp?: unknown };
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) throw new UnauthorizedException();
    return true;
  }
}
