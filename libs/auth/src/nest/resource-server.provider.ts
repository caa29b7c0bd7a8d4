import { Logger, type Provider } from '@nestjs/common';
import { KafkaConnection, KafkaEventSource } from '@app/events/kafka';
import { ResourceServer } from '../resource-server.js';
import { createClaimsDtoValidator } from './claims-dto.validator.js';
import type { AuthModuleOptions } from './auth-module.options.js';
import { AUTH_MODULE_OPTIONS } from './auth.module-definition.js';
import { toEventLogger } from './nest-event-logger.js';

/**
 * Builds the one {@link ResourceServer} of the module from its options: the Kafka connection becomes the event
 * source, the claims DTO becomes the claim policy. Invalid options fail here, at boot, with a `TypeError`.
 */
export const resourceServerProvider: Provider = {
  provide: ResourceServer,
  useFactory: (options: AuthModuleOptions) => {
    const { kafka, claimsDto, ...core } = options ?? ({} as AuthModuleOptions);
    if (claimsDto !== undefined && typeof claimsDto !== 'function') {
      throw new TypeError('AuthModuleOptions.claimsDto must be a class');
    }
    const logger = toEventLogger(new Logger('Auth'));
    let connection: KafkaConnection;
    try {
      connection = new KafkaConnection(kafka, logger);
    } catch (error) {
      throw new TypeError(`AuthModuleOptions.kafka: ${(error as Error).message}`, { cause: error });
    }
    return new ResourceServer(
      {
        ...core,
        groupIdPrefix: core.groupIdPrefix ?? kafka.clientId,
        validateClaims: claimsDto === undefined ? undefined : createClaimsDtoValidator(claimsDto),
      },
      new KafkaEventSource(connection),
      logger,
    );
  },
  inject: [AUTH_MODULE_OPTIONS],
};
