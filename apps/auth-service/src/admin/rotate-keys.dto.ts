import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, ValidateIf } from 'class-validator';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../keys/signing-key.generator.js';
import { errorCode } from './admin-validation.pipe.js';

/**
 * Body of `POST /admin/keys/rotate`: optionally the algorithm of the new next key (default: the service's).
 *
 * @example
 * { "alg": "EdDSA" }
 */
export class RotateKeysDto {
  // `null` is not "absent": only a missing member takes the default.
  @ApiPropertyOptional({ enum: SIGNING_ALGORITHMS, description: "the new next key's algorithm; default the service's" })
  @ValidateIf((_dto, value) => value !== undefined)
  @IsIn(SIGNING_ALGORITHMS, errorCode('ERR_ALG_UNSUPPORTED'))
  alg?: SigningAlgorithm;
}
