import { Module } from '@nestjs/common';
import { AuditLog } from './audit/audit-log.service.js';
import { Clock, SystemClock } from './common/clock.js';
import { authServiceConfig } from './config/auth-service.config.js';
import { KeyLifecycle } from './keys/key-lifecycle.service.js';
import { KeyVault } from './keys/key-vault.js';
import { keyVaultProvider, signingKeyStoreProvider } from './keys/signing-key-store.provider.js';
import { SigningKeyStore } from './keys/signing-key.store.js';
import { OutboxSignal } from './outbox/outbox.signal.js';
import { SecurityEventOutbox } from './outbox/security-event.outbox.js';
import { Database } from './storage/database.js';
import { databaseProvider } from './storage/database.provider.js';
import { DatabaseCloser } from './storage/database.closer.js';
import { ResourceServerRegistry } from './tokens/resource-server.registry.js';

/**
 * The state every part of the auth service shares, in a module of its own so that the modules the app imports can
 * inject it too (`AuthModule`, the admin API's guard, reads the signing key store): configuration, clock, database
 * (closed once every hook of the modules importing it has run), audit log, and the signing keys with what they need
 * (key vault, key lifecycle, the security-event outbox and its wake-up signal, the resource-server registry).
 * Imported by `AppModule`; tests override its providers as before (`.overrideProvider(authServiceConfig.KEY)`).
 *
 * @example
 * AuthModule.forRootAsync({ imports: [FoundationModule], inject: [SigningKeyStore], useFactory: … })
 */
@Module({
  providers: [
    { provide: authServiceConfig.KEY, useFactory: authServiceConfig },
    { provide: Clock, useClass: SystemClock },
    databaseProvider,
    DatabaseCloser,
    AuditLog,
    ResourceServerRegistry,
    OutboxSignal,
    SecurityEventOutbox,
    keyVaultProvider,
    KeyLifecycle,
    signingKeyStoreProvider,
  ],
  exports: [
    authServiceConfig.KEY,
    Clock,
    Database,
    AuditLog,
    ResourceServerRegistry,
    OutboxSignal,
    SecurityEventOutbox,
    KeyVault,
    KeyLifecycle,
    SigningKeyStore,
  ],
})
export class FoundationModule {}
