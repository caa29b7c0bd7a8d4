import { Module, ValidationPipe } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_PIPE } from '@nestjs/core';
import { AuthModule, HealthController } from '@app/auth';
import { ordersConfig, type OrdersConfig } from './config/orders.config.js';
import { OrdersController } from './orders/orders.controller.js';
import { OrdersService } from './orders/orders.service.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [ordersConfig] }),
    AuthModule.forRootAsync({ inject: [ordersConfig.KEY], useFactory: (config: OrdersConfig) => config.auth }),
  ],
  controllers: [OrdersController, HealthController],
  providers: [
    OrdersService,
    { provide: APP_PIPE, useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }) },
  ],
})
export class AppModule {}
