import { Inject, Query } from '@nestjs/common';
import { Claims, type AccessTokenClaims } from '@app/auth';
import { AUDIT_EVENTS, AuditLog, type AuditRecord } from '../audit/audit-log.service.js';
import { AdminCallAuditor } from './admin-call.auditor.js';
import { AdminController, AdminEndpoint } from './admin-route.decorator.js';
import { AuditQueryDto } from './audit-query.dto.js';

/**
 * `GET /admin/audit?type=&since=&limit=` (`auth:admin`): 200 `{ entries: [{ id, at, type, actor, details }] }`,
 * newest first. `type` one audit event type, `since` an RFC 3339 date-time with offset or a NumericDate
 * (inclusive), `limit` 1 to 1000 (default 100). The read is audited itself, after it (it is not in its own answer).
 *
 * @example
 * curl -H "Authorization: Bearer $ADMIN_TOKEN" 'http://127.0.0.1:3000/admin/audit?type=admin.keys.rotate&limit=10'
 */
@AdminController('audit')
export class AdminAuditController {
  constructor(
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(AdminCallAuditor) private readonly calls: AdminCallAuditor,
  ) {}

  @AdminEndpoint('GET')
  async read(@Claims() claims: AccessTokenClaims, @Query() query: AuditQueryDto): Promise<{ entries: AuditRecord[] }> {
    const filter = { type: query.type ?? null, since: query.since?.toISOString() ?? null, limit: query.limit ?? null };
    const entries = await this.calls.run(
      { type: AUDIT_EVENTS.adminAuditRead, claims, details: { filter } },
      () => this.audit.read(query),
      (read) => ({ count: read.length }),
    );
    return { entries };
  }
}
