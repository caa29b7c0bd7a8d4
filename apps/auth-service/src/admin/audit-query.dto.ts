import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDate, IsIn, IsInt, isISO8601, IsOptional, Max, Min } from 'class-validator';
import { AUDIT_EVENTS, AUDIT_READ_LIMITS, type AuditEventType } from '../audit/audit-log.service.js';
import { errorCode } from './admin-validation.pipe.js';

/** RFC 3339 `date-time` (upper-case `T` and `Z`): ISO 8601 with a time and an explicit offset, never a guess. */
const RFC3339_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** NumericDate (RFC 7519): whole seconds since the epoch, as every token and event of this system carries. */
const NUMERIC_DATE = /^\d{1,11}$/;

/**
 * `since` of `GET /admin/audit`: an RFC 3339 date-time with an offset (`2026-05-01T12:00:00Z`,
 * `2026-05-01T14:00:00.250+02:00`) or a NumericDate (`1777636800`). Anything else (a date without a time, a local
 * time without an offset, an impossible day such as February 30) is `undefined`. Precision: milliseconds.
 *
 * @example
 * parseAuditSince('2026-05-01T12:00:00Z'); // Date 2026-05-01T12:00:00.000Z
 * parseAuditSince('1777636800');           // the same instant
 */
export function parseAuditSince(value: string): Date | undefined {
  if (NUMERIC_DATE.test(value)) return new Date(Number(value) * 1000);
  if (!RFC3339_DATE_TIME.test(value) || !isISO8601(value, { strict: true, strictSeparator: true })) return undefined;
  return new Date(value);
}

/**
 * Query values arrive as strings; an empty one (`?type=`) is the same as none, since the contract writes the route
 * `?type=&since=&limit=`. A value `parse` cannot read is kept as is, for its constraint to refuse.
 */
function QueryValue(parse: (value: string) => unknown = (value) => value) {
  return Transform(({ value }: { value: unknown }) => {
    if (value === '') return undefined;
    return typeof value === 'string' ? (parse(value) ?? value) : value;
  });
}

/**
 * Query of `GET /admin/audit`: every filter optional. `type` is one audit event type (exact), `since` the oldest
 * instant returned (inclusive, see {@link parseAuditSince}), `limit` 1 to 1000 (default 100). Newest first.
 *
 * @example
 * GET /admin/audit?type=admin.keys.rotate&since=2026-05-01T00:00:00Z&limit=20
 */
export class AuditQueryDto {
  @ApiPropertyOptional({ enum: Object.values(AUDIT_EVENTS), description: 'one audit event type' })
  @QueryValue()
  @IsOptional()
  @IsIn(Object.values(AUDIT_EVENTS), errorCode('ERR_AUDIT_TYPE_UNKNOWN'))
  type?: AuditEventType;

  @ApiPropertyOptional({
    type: String,
    description: 'oldest instant returned: RFC 3339 date-time with an offset, or a NumericDate',
    example: '2026-05-01T00:00:00Z',
  })
  @QueryValue(parseAuditSince)
  @IsOptional()
  @IsDate(errorCode('ERR_AUDIT_SINCE_INVALID'))
  since?: Date;

  @ApiPropertyOptional({
    type: Number,
    minimum: 1,
    maximum: AUDIT_READ_LIMITS.maxLimit,
    default: AUDIT_READ_LIMITS.defaultLimit,
  })
  @QueryValue((value) => (/^\d{1,4}$/.test(value) ? Number(value) : undefined))
  @IsOptional()
  @IsInt(errorCode('ERR_AUDIT_LIMIT_INVALID'))
  @Min(1, errorCode('ERR_AUDIT_LIMIT_INVALID'))
  @Max(AUDIT_READ_LIMITS.maxLimit, errorCode('ERR_AUDIT_LIMIT_INVALID'))
  limit?: number;
}
