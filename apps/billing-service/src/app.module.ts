import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AuthModule, HealthController } from '@app/auth';
import { PassportAuthModule } from '@app/auth/passport';
import { billingConfig, type BillingConfig } from './config/billing.config.js';
import { InvoicesController } from './invoices/invoices.controller.js';
import { StatementsController } from './statements/statements.controller.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [billingConfig] }),
    AuthModule.forRootAsync({ inject: [billingConfig.KEY], useFactory: (config: BillingConfig) => config.auth }),
    // /statements is guarded by AuthGuard('jwt'), as a service on @nestjs/passport writes it.
    PassportAuthModule.forRoot(),
  ],
  controllers: [InvoicesController, StatementsController, HealthController],
})
export class AppModule {}
