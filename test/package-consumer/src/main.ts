import 'reflect-metadata';
import { Controller, Get, Module, Post, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthModule, Claims, HealthController, JwtAuthGuard, Public, Scopes } from '@auth-layer/nest-auth';
import { AUTH_DEFAULTS } from '@auth-layer/nest-auth/core';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} must be set`);
  return value;
}

@Controller('orders')
@UseGuards(JwtAuthGuard)
class OrdersController {
  @Get()
  @Scopes('orders:read')
  list(@Claims('sub') subject: string) {
    return { orders: [], subject };
  }

  @Post()
  @Scopes('orders:write')
  create() {
    return { created: true };
  }

  @Public()
  @Get('policy')
  policy() {
    return { algorithms: AUTH_DEFAULTS.algorithms };
  }
}

@Module({
  imports: [
    AuthModule.forRoot({
      issuer: required('ISSUER'),
      audience: 'orders-service',
      topics: { revocations: required('REVOCATIONS_TOPIC'), keys: required('KEYS_TOPIC') },
      kafka: { brokers: required('KAFKA_BROKERS').split(','), clientId: 'package-consumer' },
    }),
  ],
  controllers: [OrdersController, HealthController],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
await app.listen(Number(required('PORT')), '127.0.0.1');
