import type { LedgerEntry, Page } from '../api';
import { describeLedgerEntry, formatMoney, formatSignedMoney, formatTime } from '../format';
import { AmountForm } from './amount-form';
import { OlderButton, type Notice } from './common';

interface BalancePanelProps {
  balance: number;
  ledger: Page<LedgerEntry>;
  onTopUp: (amount: number) => Promise<void>;
  onInvalidAmount: (notice: Notice) => void;
  onOlder: () => Promise<void>;
}

export function BalancePanel({ balance, ledger, onTopUp, onInvalidAmount, onOlder }: BalancePanelProps) {
  return (
    <section className="card panel-balance" aria-labelledby="balance-title">
      <h2 id="balance-title">Balance</h2>
      <p className="balance">
        Available: <strong>{formatMoney(balance)}</strong>
      </p>
      <AmountForm id="top-up-amount" label="Top-up amount" submitLabel="Top up" onSubmit={onTopUp} onInvalid={onInvalidAmount} />
      {ledger.items.length === 0 ? (
        <p className="empty">No money has moved yet.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption>Ledger, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col" className="number">Amount</th>
                <th scope="col" className="number">Balance after</th>
              </tr>
            </thead>
            <tbody>
              {ledger.items.map((entry) => (
                <tr key={entry.id}>
                  <td>
                    <time dateTime={entry.created_at}>{formatTime(entry.created_at)}</time>
                  </td>
                  <td>{describeLedgerEntry(entry)}</td>
                  <td className="number">{formatSignedMoney(entry.amount)}</td>
                  <td className="number">{formatMoney(entry.balance_after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <OlderButton page={ledger} label="Older entries" onOlder={onOlder} />
    </section>
  );
}
