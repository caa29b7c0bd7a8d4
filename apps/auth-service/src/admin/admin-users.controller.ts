import { Inject, Param } from '@nestjs/common';
import { ApiBody, ApiConflictResponse, ApiNotFoundResponse } from '@nestjs/swagger';
import { Claims, type AccessTokenClaims } from '@app/auth';
import { AUDIT_EVENTS } from '../audit/audit-log.service.js';
import { UserAdministration, type UserView } from '../users/user-administration.service.js';
import { AdminCallAuditor } from './admin-call.auditor.js';
import { AdminController, AdminEndpoint } from './admin-route.decorator.js';
import { JsonBody } from './json-body.decorator.js';
import { CreateUserDto, UpdateUserDto, UserPathParams } from './user.dto.js';

/**
 * Users (`auth:admin`): `POST /admin/users` `{ username, password, roles }` → 201 `{ id, username, roles, disabled }`;
 * `PATCH /admin/users/{id}` any of `{ disabled, roles, password }` → 200 the user, each change refusing the user's
 * earlier tokens everywhere (see {@link UserAdministration}). Audited with what changed, never a password.
 *
 * @example
 * curl -X POST -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
 *   -d '{"username":"bob","password":"correct horse battery staple","roles":["orders-clerk"]}' \
 *   http://127.0.0.1:3000/admin/users
 * curl -X PATCH -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
 *   -d '{"disabled":true}' http://127.0.0.1:3000/admin/users/$USER_ID
 */
@AdminController('users')
export class AdminUsersController {
  constructor(
    @Inject(UserAdministration) private readonly users: UserAdministration,
    @Inject(AdminCallAuditor) private readonly calls: AdminCallAuditor,
  ) {}

  @ApiBody({ type: CreateUserDto })
  @ApiConflictResponse({ description: 'Another user has this username (ERR_USERNAME_TAKEN)' })
  @AdminEndpoint('POST', undefined, 201)
  create(@Claims() claims: AccessTokenClaims, @JsonBody() body: CreateUserDto): Promise<UserView> {
    const { username, password, roles } = body;
    return this.calls.run(
      { type: AUDIT_EVENTS.adminUsersCreate, claims, details: { roles } },
      (actor) => this.users.create({ username, password, roles }, actor),
      ({ id }) => ({ id }),
    );
  }

  @ApiBody({ type: UpdateUserDto })
  @ApiNotFoundResponse({ description: 'No user has this id (ERR_USER_NOT_FOUND)' })
  @AdminEndpoint('PATCH', ':id')
  async update(
    @Claims() claims: AccessTokenClaims,
    @Param() { id }: UserPathParams,
    @JsonBody() body: UpdateUserDto,
  ): Promise<UserView> {
    const { disabled, roles, password } = body;
    const asked = { disabled, roles, password };
    const { user } = await this.calls.run(
      {
        type: AUDIT_EVENTS.adminUsersUpdate,
        claims,
        details: { id, asked: Object.keys(asked).filter((k) => asked[k as keyof typeof asked] !== undefined) },
      },
      (actor) => this.users.update(id, asked, actor),
      ({ changed }) => ({ changed }),
    );
    return user;
  }
}
