import type { FormEvent } from 'react';
import { parseAmount } from '../format';
import { Field, readField, type Notice } from './common';

interface AmountFormProps {
  id: string;
  label: string;
  submitLabel: string;
  onSubmit: (amount: number) => Promise<void>;
  onInvalid: (notice: Notice) => void;
}

/** One money field and its button; the API has the last word on the amount (range, decimals). */
export function AmountForm({ id, label, submitLabel, onSubmit, onInvalid }: AmountFormProps) {
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const amount = parseAmount(readField(event.currentTarget, id));
    if (amount === undefined) onInvalid({ tone: 'error', text: `${label}: enter a number such as 25 or 19.99.` });
    else void onSubmit(amount);
  }

  return (
    <form className="amount-form" onSubmit={submit}>
      <Field id={id} label={label} inputMode="decimal" autoComplete="off" hint="Up to 2 decimals, for example 19.99." required />
      <button type="submit">{submitLabel}</button>
    </form>
  );
}
