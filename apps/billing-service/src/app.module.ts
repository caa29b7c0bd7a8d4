import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AuthModule, HealthController } from '@app/auth';
import { billingConfig, type BillingConfig } from './config/billing.config.js';
import { InvoicesController } from './invoices/invoices.controller.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [billingConfig] }),
    AuthModule.forRootAsync({ inject: [billingConfig.KEY], useFactory: (config: BillingConfig) => config.auth }),
  ],
  controllers: [InvoicesController, HealthController],
})
export class AppModule {}
