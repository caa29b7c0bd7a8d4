import { Inject } from '@nestjs/common';
import { ApiBody, ApiNotFoundResponse } from '@nestjs/swagger';
import { Claims, type AccessTokenClaims } from '@app/auth';
import { AUDIT_EVENTS } from '../audit/audit-log.service.js';
import { AdminRevocations, type AdminRevocationResult } from '../revocations/admin-revocations.service.js';
import { AdminCallAuditor } from './admin-call.auditor.js';
import { AdminController, AdminEndpoint } from './admin-route.decorator.js';
import { JsonBody } from './json-body.decorator.js';
import { RevocationRequestDto } from './revocation-request.dto.js';

/**
 * `POST /admin/revocations` (`auth:admin`) `{ type: token | session | subject | client, value, reason }`: 202
 * `{ type, value, revokedAt }` once the revocation and its event are committed (the event reaches the services
 * through the outbox, hence 202). Unknown session, user or client: 404; bad body: 400 `invalid_request`. Audited.
 *
 * @example
 * curl -X POST -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
 *   -d '{"type":"subject","value":"5b0c2f6e-7d1a-4c61-9a57-0d3f1c2b8e41","reason":"laptop stolen"}' \
 *   http://127.0.0.1:3000/admin/revocations
 */
@AdminController('revocations')
export class AdminRevocationsController {
  constructor(
    @Inject(AdminRevocations) private readonly revocations: AdminRevocations,
    @Inject(AdminCallAuditor) private readonly calls: AdminCallAuditor,
  ) {}

  @ApiBody({ type: RevocationRequestDto })
  @ApiNotFoundResponse({ description: 'No session, user or client has this id' })
  @AdminEndpoint('POST', undefined, 202)
  revoke(@Claims() claims: AccessTokenClaims, @JsonBody() body: RevocationRequestDto): Promise<AdminRevocationResult> {
    const { type, value, reason } = body;
    return this.calls.run(
      { type: AUDIT_EVENTS.adminRevocationsCreate, claims, details: { type, value, reason } },
      (actor) => this.revocations.revoke(actor, { type, value, reason }),
      ({ revokedAt }) => ({ revokedAt }),
    );
  }
}
