import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, type LedgerEntry, type Letter, type Order } from '../api';
import { describeError } from '../format';

export interface StoreData {
  balance: number;
  ledger: LedgerEntry[];
  orders: Order[];
  letters: Letter[];
}

// Poll fast only while an order is between states (a payment or refund settling elsewhere, say in
// another tab or by the order service's recovery loop); otherwise a slow poll keeps the page honest.
const SETTLING_POLL_MS = 2_000;
const IDLE_POLL_MS = 15_000;

/** The signed-in person's balance, ledger, orders and letters, refreshed on demand and by polling. */
export function useStoreData(onSessionExpired: () => void) {
  const [data, setData] = useState<StoreData>();
  const [loadError, setLoadError] = useState<string>();
  // A slow answer to an older refresh must not overwrite a newer one.
  const latestRefresh = useRef(0);

  const refresh = useCallback(async () => {
    const refreshId = ++latestRefresh.current;
    try {
      const [balance, ledger, orders, letters] = await Promise.all([api.getBalance(), api.listLedger(), api.listOrders(), api.listLetters()]);
      if (refreshId !== latestRefresh.current) return;
      setData({ balance: balance.balance, ledger, orders, letters });
      setLoadError(undefined);
    } catch (error) {
      if (error instanceof ApiError && error.isSessionExpired) onSessionExpired();
      else if (refreshId === latestRefresh.current) setLoadError(describeError(error));
    }
  }, [onSessionExpired]);

  const isSettling = data?.orders.some((order) => order.status === 'pending' || order.status === 'cancelling') ?? false;
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- refresh sets state only once the fetches answer; the rule does not see past the await.
    void refresh();
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, isSettling ? SETTLING_POLL_MS : IDLE_POLL_MS);
    return () => window.clearInterval(timer);
  }, [refresh, isSettling]);

  return { data, loadError, refresh };
}
