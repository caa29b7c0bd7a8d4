import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { InvalidTokenError } from '../errors/auth.errors.js';
import type { AccessTokenClaims } from '../tokens/access-token-claims.js';

/**
 * Validates verified claims against a class-validator DTO: the extra, service-specific claim policy
 * (allowed clients, required custom claims, formats). A violation makes the token `invalid_token`,
 * with the failed constraints in the error's `cause` (for the log, never for the response).
 *
 * @example
 * ```ts
 * class OrdersClaims { @IsIn(['demo-app', 'orders-reader']) client_id!: string }
 * const validateClaims = createClaimsDtoValidator(OrdersClaims);
 * await validateClaims(claims);
 * ```
 */
export function createClaimsDtoValidator(dto: new () => object): (claims: AccessTokenClaims) => Promise<void> {
  return async (claims) => {
    const violations = await validate(plainToInstance(dto, claims), { forbidUnknownValues: true });
    if (violations.length > 0) {
      const failed = violations.map((violation) => ({
        claim: violation.property,
        constraints: Object.keys(violation.constraints ?? {}),
      }));
      throw new InvalidTokenError('ERR_TOKEN_CLAIMS_INVALID', 'Claims do not satisfy the claim policy', {
        cause: failed,
      });
    }
  };
}
