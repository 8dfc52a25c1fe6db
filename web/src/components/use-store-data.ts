import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, type LedgerEntry, type Letter, type Order, type Page } from '../api';
import { describeError } from '../format';

export interface StoreData {
  balance: number;
  ledger: Page<LedgerEntry>;
  orders: Page<Order>;
  letters: Page<Letter>;
}

export type ListName = 'ledger' | 'orders' | 'letters';

const LOADERS = { ledger: api.listLedger, orders: api.listOrders, letters: api.listLetters };

// Poll fast only while an order is between states (a payment or refund settling elsewhere, say in
// another tab or by the order service's recovery loop); otherwise a slow poll keeps the page honest.
const SETTLING_POLL_MS = 2_000;
const IDLE_POLL_MS = 15_000;

/**
 * The newest page, just read, followed by the older items already shown, so "older" pages stay open
 * across refreshes. When more items arrived than a page holds, the two no longer meet: the older
 * ones are dropped rather than shown with a gap between them.
 */
function joinNewestPage<T extends { id: number }>(shown: Page<T> | undefined, newest: Page<T>): Page<T> {
  const oldestNew = newest.items.at(-1);
  const newestShown = shown?.items[0];
  if (shown === undefined || oldestNew === undefined || newestShown === undefined || newest.next === undefined || newestShown.id < oldestNew.id) return newest;
  return { items: [...newest.items, ...shown.items.filter((item) => item.id < oldestNew.id)], next: shown.next };
}

/** The signed-in person's balance, ledger, orders and letters, refreshed on demand and by polling. */
export function useStoreData(onSessionExpired: () => void) {
  const [data, setData] = useState<StoreData>();
  const [loadError, setLoadError] = useState<string>();
  // A slow answer to an older refresh must not overwrite a newer one.
  const latestRefresh = useRef(0);

  const fail = useCallback(
    (error: unknown, isCurrent: boolean) => {
      if (error instanceof ApiError && error.isSessionExpired) onSessionExpired();
      else if (isCurrent) setLoadError(describeError(error));
    },
    [onSessionExpired],
  );

  const refresh = useCallback(async () => {
    const refreshId = ++latestRefresh.current;
    try {
      const [balance, ledger, orders, letters] = await Promise.all([api.getBalance(), api.listLedger(), api.listOrders(), api.listLetters()]);
      if (refreshId !== latestRefresh.current) return;
      setData((shown) => ({
        balance: balance.balance,
        ledger: joinNewestPage(shown?.ledger, ledger),
        orders: joinNewestPage(shown?.orders, orders),
        letters: joinNewestPage(shown?.letters, letters),
      }));
      setLoadError(undefined);
    } catch (error) {
      fail(error, refreshId === latestRefresh.current);
    }
  }, [fail]);

  /** Appends the next older page of one list, following the link its last page gave. */
  const loadOlder = useCallback(
    async (list: ListName) => {
      const next = data?.[list].next;
      if (next === undefined) return;
      try {
        const older = await LOADERS[list](next);
        setData((shown) => {
          if (shown === undefined || shown[list].next !== next) return shown;
          const oldestShown = shown[list].items.at(-1)?.id ?? Infinity;
          const items = [...shown[list].items, ...older.items.filter((item) => item.id < oldestShown)];
          return { ...shown, [list]: { items, next: older.next } };
        });
      } catch (error) {
        fail(error, true);
      }
    },
    [data, fail],
  );

  /** Shows an order as an action left it, wherever it is in the list (an older page is not refreshed). */
  const showOrder = useCallback((order: Order) => {
    setData((shown) => shown && { ...shown, orders: { ...shown.orders, items: shown.orders.items.map((item) => (item.id === order.id ? order : item)) } });
  }, []);

  const isSettling = data?.orders.items.some((order) => order.status === 'pending' || order.status === 'cancelling') ?? false;
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- refresh sets state only once the fetches answer; the rule does not see past the await.
    void refresh();
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, isSettling ? SETTLING_POLL_MS : IDLE_POLL_MS);
    return () => window.clearInterval(timer);
  }, [refresh, isSettling]);

  return { data, loadError, refresh, loadOlder, showOrder };
}
