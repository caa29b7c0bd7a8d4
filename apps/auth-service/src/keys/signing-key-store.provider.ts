import type { Provider } from '@nestjs/common';
import { AuditLog } from '../audit/audit-log.service.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { Database } from '../storage/database.js';
import { KeyLifecycle } from './key-lifecycle.service.js';
import { KeyVault } from './key-vault.js';
import { SigningKeyStore } from './signing-key.store.js';

/**
 * The {@link KeyVault}: the key-encryption-key ring from the configuration; decryptions are audited as the service.
 *
 * @example
 * @Module({ providers: [keyVaultProvider] })
 */
export const keyVaultProvider: Provider = {
  provide: KeyVault,
  useFactory: (config: AuthServiceConfig, audit: AuditLog) =>
    new KeyVault(
      { current: config.keyEncryptionKey, previous: config.keyEncryptionKeyPrevious },
      audit,
      config.kafka.clientId,
    ),
  inject: [authServiceConfig.KEY, AuditLog],
};

/**
 * The {@link SigningKeyStore}, ready before anything signs: private keys wrapped by a previous key-encryption key are
 * re-wrapped under the current one, the first keys are created on first start (a next key whenever none is
 * published), then the published keys are loaded.
 *
 * @example
 * @Module({ providers: [keyVaultProvider, KeyLifecycle, signingKeyStoreProvider] })
 */
export const signingKeyStoreProvider: Provider = {
  provide: SigningKeyStore,
  useFactory: async (db: Database, vault: KeyVault, lifecycle: KeyLifecycle) => {
    await vault.rewrap(db);
    await lifecycle.ensureKeys();
    const store = new SigningKeyStore(db, vault);
    await store.reload();
    return store;
  },
  inject: [Database, KeyVault, KeyLifecycle],
};
