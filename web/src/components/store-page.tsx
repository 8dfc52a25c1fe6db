import { useRef, useState } from 'react';
import { api, ApiError } from '../api';
import { describeError, formatMoney } from '../format';
import { NoticeArea, useFocusOnMount, type Notice } from './common';
import { BalancePanel } from './balance-panel';
import { LettersPanel } from './letters-panel';
import { OrdersPanel } from './orders-panel';
import { useStoreData } from './use-store-data';

export function StorePage({ welcome, onSessionExpired }: { welcome: Notice | undefined; onSessionExpired: () => void }) {
  const { data, loadError, refresh, loadOlder, showOrder } = useStoreData(onSessionExpired);
  const [notice, setNotice] = useState(welcome);
  const isActing = useRef(false);
  const heading = useFocusOnMount<HTMLHeadingElement>();

  /** Runs one action, then reloads everything so balance, orders and letters agree with the message. */
  async function act(action: () => Promise<Notice>) {
    // Ignore a second click while the first action is in flight; the API is idempotent anyway.
    if (isActing.current) return;
    isActing.current = true;
    let outcome: Notice;
    try {
      outcome = await action();
    } catch (error) {
      if (error instanceof ApiError && error.isSessionExpired) return onSessionExpired();
      outcome = { tone: 'error', text: describeError(error) };
    } finally {
      isActing.current = false;
    }
    await refresh();
    setNotice(outcome);
  }

  const topUp = (amount: number) =>
    act(async () => {
      const result = await api.topUp(amount);
      return { tone: 'success', text: `Topped up ${formatMoney(result.amount)}. Your balance is ${formatMoney(result.balance)}.` };
    });

  const placeOrder = (price: number) =>
    act(async () => {
      const order = await api.createOrder(price);
      return { tone: 'success', text: `Order #${order.id} placed for ${formatMoney(order.price)}. Pay it when you are ready.` };
    });

  const payOrder = (id: number) =>
    act(async () => {
      const order = await api.payOrder(id);
      showOrder(order);
      if (order.status === 'processing') return { tone: 'success', text: `Order #${id} is paid: ${formatMoney(order.price)} charged. It is now processing.` };
      if (order.billing?.reason === 'insufficient_funds') {
        return { tone: 'error', text: `Payment of order #${id} failed: insufficient funds for ${formatMoney(order.price)}. Nothing was charged.` };
      }
      return { tone: 'error', text: `Payment of order #${id} failed; nothing was charged.` };
    });

  const cancelOrder = (id: number) =>
    act(async () => {
      const order = await api.cancelOrder(id);
      showOrder(order);
      const refund = order.refunded === null ? '' : ` ${formatMoney(order.refunded)} refunded to your balance.`;
      return { tone: 'success', text: `Order #${id} cancelled.${refund}` };
    });

  return (
    <>
      <div className="page-title">
        <h1 tabIndex={-1} ref={heading}>
          Your store
        </h1>
        <NoticeArea notice={notice} />
        {loadError === undefined ? null : <p className="notice notice-error">Could not load your account: {loadError}</p>}
      </div>
      {data === undefined ? (
        <p>Loading your account…</p>
      ) : (
        <div className="panels">
          <OrdersPanel orders={data.orders} onPlace={placeOrder} onPay={payOrder} onCancel={cancelOrder} onInvalidAmount={setNotice} onOlder={() => loadOlder('orders')} />
          <BalancePanel balance={data.balance} ledger={data.ledger} onTopUp={topUp} onInvalidAmount={setNotice} onOlder={() => loadOlder('ledger')} />
          <LettersPanel letters={data.letters} onOlder={() => loadOlder('letters')} />
        </div>
      )}
    </>
  );
}
