import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length, Matches } from 'class-validator';
import type { AdminRevocationType } from '../revocations/admin-revocations.service.js';
import { errorCode } from './admin-validation.pipe.js';
import { MAX_REASON_LENGTH } from './revoke-key.dto.js';

/** The types `POST /admin/revocations` takes. */
export const ADMIN_REVOCATION_TYPES = [
  'token',
  'session',
  'subject',
  'client',
] as const satisfies readonly AdminRevocationType[];

/** Longest accepted `value` (the event contracts bound ids to 256 characters). */
export const MAX_REVOCATION_VALUE_LENGTH = 256;

/**
 * Body of `POST /admin/revocations`: what to revoke (`token`: a `jti`; `session`: a `sid`; `subject`: a user id;
 * `client`: a client id), and why (audited, carried by the event).
 *
 * @example
 * { "type": "subject", "value": "5b0c2f6e-7d1a-4c61-9a57-0d3f1c2b8e41", "reason": "laptop stolen" }
 */
export class RevocationRequestDto {
  @ApiProperty({ enum: ADMIN_REVOCATION_TYPES, example: 'subject' })
  @IsIn(ADMIN_REVOCATION_TYPES, errorCode('ERR_REVOCATION_TYPE_INVALID'))
  type!: AdminRevocationType;

  @ApiProperty({
    minLength: 1,
    maxLength: MAX_REVOCATION_VALUE_LENGTH,
    description: 'token: a jti; session: a sid; subject: a user id; client: a client id',
  })
  @IsString(errorCode('ERR_REVOCATION_VALUE_INVALID'))
  @Length(1, MAX_REVOCATION_VALUE_LENGTH, errorCode('ERR_REVOCATION_VALUE_INVALID'))
  @Matches(/^[\x21-\x7e]+$/, errorCode('ERR_REVOCATION_VALUE_INVALID'))
  value!: string;

  @ApiProperty({ minLength: 1, maxLength: MAX_REASON_LENGTH, example: 'laptop stolen' })
  @IsString(errorCode('ERR_REASON_INVALID'))
  @Length(1, MAX_REASON_LENGTH, errorCode('ERR_REASON_INVALID'))
  @Matches(/\S/, errorCode('ERR_REASON_INVALID'))
  reason!: string;
}
