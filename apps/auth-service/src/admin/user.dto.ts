import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsString, Length, Matches, MaxLength, ValidateIf } from 'class-validator';
import { errorCode } from './admin-validation.pipe.js';

/** Bounds of the user members the admin API takes. */
export const USER_LIMITS = {
  maxUsernameLength: 128,
  minPasswordLength: 8,
  /** argon2 takes any length; a bound keeps one request from costing more than hashing a sane password. */
  maxPasswordLength: 1024,
  maxRoles: 64,
  maxRoleLength: 128,
  maxIdLength: 256,
} as const;

/** Visible characters only (no spaces or controls): a username is typed and compared as is. */
const USERNAME = /^[^\s\p{C}]+$/u;

/** An optional member: `null` is not "absent" and is refused like any other wrong type. */
const Optional = () => ValidateIf((_dto, value) => value !== undefined);

/**
 * Body of `POST /admin/users`. Roles must exist (`roles` table; 400 `ERR_ROLE_UNKNOWN`), a username not be taken
 * (409 `ERR_USERNAME_TAKEN`).
 *
 * @example
 * { "username": "bob", "password": "correct horse battery staple", "roles": ["orders-clerk"] }
 */
export class CreateUserDto {
  @ApiProperty({ minLength: 1, maxLength: USER_LIMITS.maxUsernameLength, example: 'bob' })
  @IsString(errorCode('ERR_USERNAME_INVALID'))
  @Length(1, USER_LIMITS.maxUsernameLength, errorCode('ERR_USERNAME_INVALID'))
  @Matches(USERNAME, errorCode('ERR_USERNAME_INVALID'))
  username!: string;

  @ApiProperty({ minLength: USER_LIMITS.minPasswordLength, maxLength: USER_LIMITS.maxPasswordLength })
  @IsString(errorCode('ERR_PASSWORD_INVALID'))
  @Length(USER_LIMITS.minPasswordLength, USER_LIMITS.maxPasswordLength, errorCode('ERR_PASSWORD_INVALID'))
  password!: string;

  @ApiProperty({ type: [String], maxItems: USER_LIMITS.maxRoles, example: ['orders-clerk'] })
  @IsArray(errorCode('ERR_ROLES_INVALID'))
  @ArrayMaxSize(USER_LIMITS.maxRoles, errorCode('ERR_ROLES_INVALID'))
  @IsString({ each: true, ...errorCode('ERR_ROLES_INVALID') })
  @Length(1, USER_LIMITS.maxRoleLength, { each: true, ...errorCode('ERR_ROLES_INVALID') })
  roles!: string[];
}

/**
 * Body of `PATCH /admin/users/{id}`: any of `disabled`, `roles`, `password`.
 *
 * @example
 * { "disabled": true }
 */
export class UpdateUserDto {
  @ApiPropertyOptional({ example: true })
  @Optional()
  @IsBoolean(errorCode('ERR_DISABLED_INVALID'))
  disabled?: boolean;

  @ApiPropertyOptional({ type: [String], maxItems: USER_LIMITS.maxRoles, example: ['billing-viewer'] })
  @Optional()
  @IsArray(errorCode('ERR_ROLES_INVALID'))
  @ArrayMaxSize(USER_LIMITS.maxRoles, errorCode('ERR_ROLES_INVALID'))
  @IsString({ each: true, ...errorCode('ERR_ROLES_INVALID') })
  @Length(1, USER_LIMITS.maxRoleLength, { each: true, ...errorCode('ERR_ROLES_INVALID') })
  roles?: string[];

  @ApiPropertyOptional({ minLength: USER_LIMITS.minPasswordLength, maxLength: USER_LIMITS.maxPasswordLength })
  @Optional()
  @IsString(errorCode('ERR_PASSWORD_INVALID'))
  @Length(USER_LIMITS.minPasswordLength, USER_LIMITS.maxPasswordLength, errorCode('ERR_PASSWORD_INVALID'))
  password?: string;
}

/**
 * Path parameters of `/admin/users/{id}`. Any other `id` is looked up: an unknown one is 404.
 *
 * @example
 * update(@Param() { id }: UserPathParams) { … }
 */
export class UserPathParams {
  @MaxLength(USER_LIMITS.maxIdLength, errorCode('ERR_USER_ID_INVALID'))
  id!: string;
}
