import { InvalidAmountError, MAX_AMOUNT, toMinorUnits } from '@orderflow/money';
import { Type } from 'typebox';
import { Problem } from './problem.js';

/** An amount of money in a request body: a JSON number, at most two decimals, bounded. */
export const AmountSchema = Type.Number({ minimum: -MAX_AMOUNT, maximum: MAX_AMOUNT, description: 'Money in major units, at most 2 decimals.' });

/**
 * Converts a validated body amount to minor units; a third decimal (or a value JSON can express but
 * money cannot) is a 400 that names the field.
 */
export function readAmountField(value: number, pointer: string, options: { positive?: boolean; nonZero?: boolean } = {}): number {
  let minor: number;
  try {
    minor = toMinorUnits(value);
  } catch (error) {
    if (!(error instanceof InvalidAmountError)) throw error;
    throw invalidAmount(pointer, error.message);
  }
  if (options.positive === true && minor <= 0) throw invalidAmount(pointer, 'must be greater than 0');
  if (options.nonZero === true && minor === 0) throw invalidAmount(pointer, 'must not be 0');
  return minor;
}

function invalidAmount(pointer: string, detail: string): Problem {
  return new Problem({
    status: 400,
    code: 'request.invalid',
    title: 'Invalid request',
    detail: `${pointer}: ${detail}`,
    extensions: { errors: [{ pointer, detail }] },
  });
}
