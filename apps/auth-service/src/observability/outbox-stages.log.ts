import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AuthServiceEvents } from './auth-service.events.js';

/**
 * Logs at `debug` the stage timestamps of every outbox row (committed by a request; read by the relay and
 * acknowledged by the broker, with its record key), from the `outbox.committed` and `outbox.published` events, so a
 * benchmark in another process can break propagation down by stage (`bench/propagation.bench.mjs`). Ids, keys and
 * times only: never a record value.
 *
 * @example
 * // AUTH_LOG_LEVEL=debug:
 * // DEBUG [OutboxStagesLog] outbox rows committed {"ids":["42"],"committedAt":1796196443972.03}
 */
@Injectable()
export class OutboxStagesLog implements OnModuleInit {
  private readonly logger = new Logger(OutboxStagesLog.name);

  constructor(@Inject(AuthServiceEvents) private readonly events: AuthServiceEvents) {}

  onModuleInit(): void {
    this.events.on('outbox.committed', ({ ids, committedAt }) =>
      this.logger.debug({ msg: 'outbox rows committed', ids, committedAt }),
    );
    this.events.on('outbox.published', ({ topic, records, stages }) =>
      this.logger.debug({
        msg: 'outbox rows acknowledged',
        topic,
        records,
        readAt: stages.readAt,
        ackedAt: stages.ackedAt,
      }),
    );
  }
}
