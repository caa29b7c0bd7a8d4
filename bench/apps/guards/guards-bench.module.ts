import { Module, ValidationPipe, type DynamicModule } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AuthModule, HealthController } from '@app/auth';
import type { GuardsBenchConfig } from './guards.config.js';
import { FloorGuard } from './floor.guard.js';
import { GuardedOrdersController } from './guarded-orders.controller.js';
import { IssuerKeys } from './issuer-keys.js';
import { JoseGuard, JoseGuardOptions } from './jose.guard.js';
import { StandardJwtStrategy } from './standard-jwt.strategy.js';

/**
 * The guard bench app: orders' shape (AuthModule from the same config reader, the same global ValidationPipe, the
 * health controller) plus the peer guards, all in one process so that every variant runs on the same app.
 */
@Module({})
export class GuardsBenchModule {
  static forRoot(config: GuardsBenchConfig, keys: IssuerKeys): DynamicModule {
    const joseOptions: JoseGuardOptions = {
      issuer: config.auth.issuer,
      audience: [config.auth.audience].flat(),
      algorithms: [keys.current.alg],
    };
    return {
      module: GuardsBenchModule,
      imports: [AuthModule.forRoot(config.auth), PassportModule],
      controllers: [GuardedOrdersController, HealthController],
      providers: [
        { provide: IssuerKeys, useValue: keys },
        { provide: JoseGuardOptions, useValue: joseOptions },
        { provide: APP_PIPE, useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }) },
        FloorGuard,
        JoseGuard,
        StandardJwtStrategy,
      ],
    };
  }
}
