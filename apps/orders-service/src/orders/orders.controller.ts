import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { Claims, JwtAuthGuard, RequireRecentAuth, Scopes } from '@app/auth';
import { CreateOrderDto } from './create-order.dto.js';
import { OrdersService, type Order } from './orders.service.js';

@Controller('orders')
@UseGuards(JwtAuthGuard)
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Get()
  @Scopes('orders:read')
  list(@Claims('sub') subject: string): { orders: Order[] } {
    return { orders: this.orders.list(subject) };
  }

  @Post()
  @Scopes('orders:write')
  create(@Claims('sub') subject: string, @Body() body: CreateOrderDto): Order {
    return this.orders.create(subject, body);
  }

  /** Deleting is destructive: a user who logged in more than five minutes ago logs in again first (RFC 9470). */
  @Delete(':id')
  @Scopes('orders:write')
  @RequireRecentAuth(300)
  @HttpCode(204)
  remove(@Claims('sub') subject: string, @Param('id') id: string): void {
    // Another subject's order is answered as a missing one: its existence is not the caller's to learn.
    if (!this.orders.remove(subject, id)) throw new NotFoundException('No such order');
  }
}
