import { Body, Controller, Get, Post, UseGuards } from '@nestjs/common';
import { Claims, JwtAuthGuard, Scopes } from '@app/auth';
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
}
