import type { Queryable } from '@orderflow/db';
import { createOrdersStore, type Order } from '../store/orders.store.js';

/** A new order waiting to be paid. */
export function createOrder(db: Queryable, userId: number, priceMinor: number, email: string): Promise<Order> {
  return createOrdersStore(db).insertOrder(userId, priceMinor, email);
}
