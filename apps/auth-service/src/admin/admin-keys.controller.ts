import { Inject, Logger, Param } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';
import { Claims, type AccessTokenClaims } from '@app/auth';
import { describeError } from '@app/events';
import { AUDIT_EVENTS } from '../audit/audit-log.service.js';
import { KeyLifecycle, type RotationResult, type SigningKeySummary } from '../keys/key-lifecycle.service.js';
import { SigningKeyStore } from '../keys/signing-key.store.js';
import { AdminCallAuditor } from './admin-call.auditor.js';
import { AdminController, AdminEndpoint } from './admin-route.decorator.js';
import { JsonBody } from './json-body.decorator.js';
import { KeyPathParams } from './key-path.params.js';
import { RevokeKeyDto } from './revoke-key.dto.js';
import { RotateKeysDto } from './rotate-keys.dto.js';

/** A key as `GET /admin/keys` answers it: the contract's members (DESIGN "Admin API"), nothing else. */
export type AdminKeyView = Pick<
  SigningKeySummary,
  'kid' | 'alg' | 'state' | 'createdAt' | 'activatedAt' | 'retiredAt' | 'revokedAt'
>;

/** Exactly the contract's members: whatever else a summary carries or may ever carry stays here. */
function toView(key: SigningKeySummary): AdminKeyView {
  const { kid, alg, state, createdAt, activatedAt, retiredAt, revokedAt } = key;
  return { kid, alg, state, createdAt, activatedAt, retiredAt, revokedAt };
}

/**
 * The signing keys of the auth service (`auth:admin`): list, rotate, revoke. Each call is audited with its actor;
 * the changes themselves (state, JWKS, key events through the outbox) are {@link KeyLifecycle}'s. Once a change is
 * committed, this instance's key store is reloaded before the answer, so the instance that says "revoked" no longer
 * serves or signs with that key (the others reload on the change's NOTIFY).
 *
 * @example
 * curl -H "Authorization: Bearer $ADMIN_TOKEN" http://127.0.0.1:3000/admin/keys
 * curl -X POST -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
 *   -d '{"alg":"EdDSA"}' http://127.0.0.1:3000/admin/keys/rotate
 * curl -X POST -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
 *   -d '{"reason":"leaked"}' http://127.0.0.1:3000/admin/keys/$KID/revoke
 */
@AdminController('keys')
export class AdminKeysController {
  private readonly logger = new Logger(AdminKeysController.name);

  constructor(
    @Inject(KeyLifecycle) private readonly lifecycle: KeyLifecycle,
    @Inject(SigningKeyStore) private readonly store: SigningKeyStore,
    @Inject(AdminCallAuditor) private readonly calls: AdminCallAuditor,
  ) {}

  /** `GET /admin/keys`: 200 `{ keys: [{ kid, alg, state, createdAt, activatedAt, retiredAt, revokedAt }] }`, newest first. */
  @AdminEndpoint('GET')
  async list(@Claims() claims: AccessTokenClaims): Promise<{ keys: AdminKeyView[] }> {
    const keys = await this.calls.run(
      { type: AUDIT_EVENTS.adminKeysList, claims },
      () => this.lifecycle.list(),
      (listed) => ({ count: listed.length }),
    );
    return { keys: keys.map(toView) };
  }

  /** `POST /admin/keys/rotate` `{ alg? }`: 200 `{ current, next, previous }` (next → current → previous, a new next). */
  @AdminEndpoint('POST', 'rotate')
  @ApiBody({ type: RotateKeysDto, required: false })
  rotate(@Claims() claims: AccessTokenClaims, @JsonBody() { alg }: RotateKeysDto): Promise<RotationResult> {
    return this.calls.run(
      { type: AUDIT_EVENTS.adminKeysRotate, claims, details: { alg: alg ?? null } },
      async (actor) => this.reloaded(await this.lifecycle.rotate(actor, alg)),
      (rotated) => ({ ...rotated }),
    );
  }

  /** `POST /admin/keys/{kid}/revoke` `{ reason }`: 200 `{ kid, state: 'revoked' }`; an unknown `kid` is 404. */
  @AdminEndpoint('POST', ':kid/revoke')
  @ApiBody({ type: RevokeKeyDto })
  revoke(
    @Claims() claims: AccessTokenClaims,
    @Param() { kid }: KeyPathParams,
    @JsonBody() { reason }: RevokeKeyDto,
  ): Promise<{ kid: string; state: 'revoked' }> {
    return this.calls.run({ type: AUDIT_EVENTS.adminKeysRevoke, claims, details: { kid, reason } }, async (actor) =>
      this.reloaded(await this.lifecycle.revoke(actor, kid, reason)),
    );
  }

  /**
   * `result`, once the store has read the committed change. A failed reload does not undo the change nor make it
   * fail: the NOTIFY and the scheduler's tick reload the store anyway, so it is logged and the change answered.
   */
  private async reloaded<T>(result: T): Promise<T> {
    await this.store.reload().catch((error: unknown) => {
      this.logger.warn({
        msg: 'key store not reloaded after an admin change; the next reload catches up',
        error: describeError(error),
      });
    });
    return result;
  }
}
