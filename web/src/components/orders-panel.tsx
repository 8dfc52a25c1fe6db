import { useRef } from 'react';
import type { Order, Page } from '../api';
import { describeOrderStatus, formatMoney, formatTime } from '../format';
import { AmountForm } from './amount-form';
import { OlderButton, type Notice } from './common';

interface OrdersPanelProps {
  orders: Page<Order>;
  onPlace: (price: number) => Promise<void>;
  onPay: (id: number) => Promise<void>;
  onCancel: (id: number) => Promise<void>;
  onInvalidAmount: (notice: Notice) => void;
  onOlder: () => Promise<void>;
}

export function OrdersPanel({ orders, onPlace, onPay, onCancel, onInvalidAmount, onOlder }: OrdersPanelProps) {
  return (
    <section className="card panel-orders" aria-labelledby="orders-title">
      <h2 id="orders-title">Orders</h2>
      <AmountForm id="order-price" label="Order price" submitLabel="Place order" onSubmit={onPlace} onInvalid={onInvalidAmount} />
      {orders.items.length === 0 ? (
        <p className="empty">No orders yet.</p>
      ) : (
        <ol className="orders">
          {orders.items.map((order) => (
            <OrderItem key={order.id} order={order} onPay={onPay} onCancel={onCancel} />
          ))}
        </ol>
      )}
      <OlderButton page={orders} label="Older orders" onOlder={onOlder} />
    </section>
  );
}

interface OrderItemProps {
  order: Order;
  onPay: (id: number) => Promise<void>;
  onCancel: (id: number) => Promise<void>;
}

function OrderItem({ order, onPay, onCancel }: OrderItemProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  const isPayable = order.status === 'new';
  const isCancellable = order.status === 'new' || order.status === 'processing';

  // The button pressed usually disappears with the order's new status: keep the keyboard user's
  // place by moving focus to the order it acted on.
  async function run(action: (id: number) => Promise<void>) {
    await action(order.id);
    heading.current?.focus();
  }

  return (
    <li className={`order status-${order.status}`}>
      <h3 tabIndex={-1} ref={heading}>
        Order #{order.id}
      </h3>
      <p className="order-price">{formatMoney(order.price)}</p>
      <p className="order-status">{describeOrderStatus(order)}</p>
      <p className="meta">
        Placed <time dateTime={order.created_at}>{formatTime(order.created_at)}</time>
      </p>
      {isPayable || isCancellable ? (
        <div className="actions">
          {isPayable ? (
            <button type="button" onClick={() => void run(onPay)}>
              Pay <span className="visually-hidden">order #{order.id}</span>
            </button>
          ) : null}
          {isCancellable ? (
            <button type="button" className="secondary" onClick={() => void run(onCancel)}>
              Cancel <span className="visually-hidden">order #{order.id}</span>
            </button>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}
