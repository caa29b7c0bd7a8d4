import { Controller, Get, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { JwtAuthGuard, Scopes } from '@app/auth';
import { FloorGuard } from './floor.guard.js';
import { JoseGuard } from './jose.guard.js';

/** Every variant's answer: the shape of orders' `GET /orders` for a subject with no orders. */
const NO_ORDERS = { orders: [] } as const;

/**
 * One route per guard, the same handler behind each (`GET /<variant>/orders`), so that the bench compares guards
 * and nothing else: `none` (no guard), `ours` (`JwtAuthGuard` + `@Scopes`, as orders), `passport` (`AuthGuard('jwt')`
 * on the standard passport-jwt setup), `jose` (`jwtVerify`, local JWKS) and `floor` (node:crypto).
 */
@Controller()
export class GuardedOrdersController {
  @Get('none/orders')
  none(): typeof NO_ORDERS {
    return NO_ORDERS;
  }

  @Get('ours/orders')
  @UseGuards(JwtAuthGuard)
  @Scopes('orders:read')
  ours(): typeof NO_ORDERS {
    return NO_ORDERS;
  }

  @Get('passport/orders')
  @UseGuards(AuthGuard('jwt'))
  passport(): typeof NO_ORDERS {
    return NO_ORDERS;
  }

  @Get('jose/orders')
  @UseGuards(JoseGuard)
  jose(): typeof NO_ORDERS {
    return NO_ORDERS;
  }

  @Get('floor/orders')
  @UseGuards(FloorGuard)
  floor(): typeof NO_ORDERS {
    return NO_ORDERS;
  }
}
