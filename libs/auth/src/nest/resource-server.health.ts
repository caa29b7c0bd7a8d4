import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ResourceServer, type ResourceServerStatus } from '../resource-server.js';

/** The parts of a resource server's readiness, as keys of the terminus answer. */
export type ReadinessPart = 'keys' | 'revocations' | 'keyEvents' | 'staleness';

/**
 * The readiness of the module's {@link ResourceServer} as terminus health indicators, one per part, from one status
 * snapshot: `keys` (published set loaded), `revocations` (caught up with its topic, index within its cap),
 * `keyEvents` (caught up), `staleness` (newest heartbeat within `maxStalenessSeconds`). A part that is down carries
 * a `message` saying why; `staleness` also says what the failure policy does meanwhile.
 *
 * @example
 * ```ts
 * @Get('ready') ready() { return this.checks.check(this.readiness.indicators()); }
 * ```
 */
@Injectable()
export class ResourceServerHealthIndicator {
  constructor(
    @Inject(ResourceServer) private readonly server: ResourceServer,
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
  ) {}

  indicators(): (() => HealthIndicatorResult)[] {
    const status = this.server.status();
    return [
      () => this.keys(status),
      () => this.revocations(status),
      () => this.keyEvents(status),
      () => this.staleness(status),
    ];
  }

  private part(key: ReadinessPart, down: string | undefined, data: Record<string, unknown>): HealthIndicatorResult {
    const check = this.health.check(key);
    return down === undefined ? check.up(data) : check.down({ ...data, message: down });
  }

  private keys({ keys }: ResourceServerStatus): HealthIndicatorResult {
    return this.part('keys', keys.loaded ? undefined : 'published keys not loaded yet', { count: keys.count });
  }

  private revocations({ revocations }: ResourceServerStatus): HealthIndicatorResult {
    const { topic, caughtUp, entries, maxEntries, overCapacity, applied, dropped } = revocations;
    const down = !caughtUp
      ? 'not caught up with the revocations topic'
      : overCapacity
        ? 'revocation index over capacity: refusing every token until pruned'
        : undefined;
    return this.part('revocations', down, { topic, caughtUp, entries, maxEntries, applied, dropped });
  }

  private keyEvents({ keyEvents }: ResourceServerStatus): HealthIndicatorResult {
    const { topic, caughtUp, applied, dropped } = keyEvents;
    const down = caughtUp ? undefined : 'not caught up with the key events topic';
    return this.part('keyEvents', down, { topic, caughtUp, applied, dropped });
  }

  private staleness({ staleness }: ResourceServerStatus): HealthIndicatorResult {
    const { ageSeconds, maxStalenessSeconds, stale } = staleness;
    const policy = this.server.options.revocationFailurePolicy;
    const age = ageSeconds === null ? 'no heartbeat from the issuer yet' : `newest heartbeat ${ageSeconds} s old`;
    const effect = policy === 'open' ? 'fail-open: still accepting tokens' : 'fail-closed: refusing tokens (503)';
    const down = stale ? `stale (${age}, bound ${maxStalenessSeconds} s); ${effect}` : undefined;
    return this.part('staleness', down, { ageSeconds, maxStalenessSeconds, policy });
  }
}
