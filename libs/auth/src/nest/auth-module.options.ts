import type { KafkaConnectionOptions } from '@app/events/kafka';
import type { AuthOptions } from '../auth-options.js';

/**
 * Options of {@link AuthModule}: the core {@link AuthOptions} (only `issuer` and `audience` required), the Kafka
 * connection the feeds read through, and an optional class-validator DTO as extra claim policy.
 *
 * @example
 * ```ts
 * AuthModule.forRoot({
 *   issuer: 'https://auth.example.com',
 *   audience: 'orders-service',
 *   kafka: { brokers: ['kafka:9092'], clientId: 'orders-service' },
 * });
 * ```
 */
export interface AuthModuleOptions extends Omit<AuthOptions, 'validateClaims'> {
  /** How to reach Kafka. `clientId` also prefixes the consumer groups unless `groupIdPrefix` is set. */
  kafka: KafkaConnectionOptions;
  /** A class-validator DTO the token claims must satisfy (extra claim policy); failures are `invalid_token`. */
  claimsDto?: new () => object;
}
