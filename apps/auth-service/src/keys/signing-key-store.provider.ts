import type { Provider } from '@nestjs/common';
import { AuditLog } from '../audit/audit-log.service.js';
import { Clock } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { Database } from '../storage/database.js';
import { SigningKeyStore } from './signing-key.store.js';

/**
 * The {@link SigningKeyStore} provider: keys loaded (generated on first start) and decrypted once at boot.
 *
 * @example
 * @Module({ providers: [signingKeyStoreProvider] })
 */
export const signingKeyStoreProvider: Provider = {
  provide: SigningKeyStore,
  useFactory: (db: Database, audit: AuditLog, clock: Clock, config: AuthServiceConfig) =>
    SigningKeyStore.load({
      db,
      audit,
      clock,
      keyEncryptionKey: config.keyEncryptionKey,
      algorithm: config.signingAlgorithm,
      actor: config.kafka.clientId,
    }),
  inject: [Database, AuditLog, Clock, authServiceConfig.KEY],
};
