import { MaxLength } from 'class-validator';
import { errorCode } from './admin-validation.pipe.js';

/** Longest accepted `kid` (the event contracts bound ids to 256 characters). */
export const MAX_KID_LENGTH = 256;

/**
 * Path parameters of `/admin/keys/{kid}/…`. Any other `kid` is looked up: an unknown one is 404.
 *
 * @example
 * revoke(@Param() { kid }: KeyPathParams) { … }
 */
export class KeyPathParams {
  @MaxLength(MAX_KID_LENGTH, errorCode('ERR_KID_INVALID'))
  kid!: string;
}
