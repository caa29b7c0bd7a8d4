import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { errorCode } from './admin-validation.pipe.js';

/** Longest accepted revocation reason (the revocation event carries it, same bound). */
export const MAX_REASON_LENGTH = 1024;

/**
 * Body of `POST /admin/keys/{kid}/revoke`: why the key is revoked (audited, carried by the revocation event).
 *
 * @example
 * { "reason": "private key leaked in incident 42" }
 */
export class RevokeKeyDto {
  @ApiProperty({ minLength: 1, maxLength: MAX_REASON_LENGTH, example: 'private key leaked in incident 42' })
  @IsString(errorCode('ERR_REASON_INVALID'))
  @Length(1, MAX_REASON_LENGTH, errorCode('ERR_REASON_INVALID'))
  @Matches(/\S/, errorCode('ERR_REASON_INVALID'))
  reason!: string;
}
