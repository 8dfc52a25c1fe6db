import { createOrdersStore, type Order } from '../store/orders.store.js';
import type { OrderDeps } from './deps.js';

export function createOrder(deps: OrderDeps, userId: number, priceMinor: number, email: string): Promise<Order> {
  return createOrdersStore(deps.db).insertOrder(userId, priceMinor, email);
}
