import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { CreateOrderDto } from './create-order.dto.js';

/** An order placed by a subject. */
export interface Order {
  id: string;
  owner: string;
  item: string;
  quantity: number;
  createdAt: string;
}

/** Keeps each subject's orders in memory: the sample's state, enough to show per-subject data behind the guard. */
@Injectable()
export class OrdersService {
  private readonly orders = new Map<string, Order[]>();

  list(owner: string): Order[] {
    return this.orders.get(owner) ?? [];
  }

  create(owner: string, input: CreateOrderDto): Order {
    const order = { id: randomUUID(), owner, ...input, createdAt: new Date().toISOString() };
    this.orders.set(owner, [...this.list(owner), order]);
    return order;
  }

  /** Deletes the owner's order `id`; false when the owner has no such order. */
  remove(owner: string, id: string): boolean {
    const orders = this.list(owner);
    const kept = orders.filter((order) => order.id !== id);
    if (kept.length === orders.length) return false;
    this.orders.set(owner, kept);
    return true;
  }
}
