/**
 * Money crosses the API as a JSON number with at most two decimals (the seed's `5000`, `2000.0`) and
 * lives everywhere inside as an integer count of minor units (cents). The conversion goes through
 * the number's shortest decimal text, never through floating-point multiplication, so `0.29` is
 * 29 cents and not 28.999….
 */

/** Largest amount accepted anywhere: 1 000 000 000.00, far inside Number.MAX_SAFE_INTEGER in minor units. */
export const MAX_AMOUNT_MINOR = 100_000_000_000;
export const MAX_AMOUNT = MAX_AMOUNT_MINOR / 100;

const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

export class InvalidAmountError extends Error {
  constructor(readonly value: unknown, reason: string) {
    super(reason);
    this.name = 'InvalidAmountError';
  }
}

/** Converts an API amount to minor units, or throws InvalidAmountError saying why it is not money. */
export function toMinorUnits(amount: number): number {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) {
    throw new InvalidAmountError(amount, 'must be a finite number');
  }
  if (Object.is(amount, -0)) return 0;
  const match = DECIMAL.exec(String(amount));
  if (match === null) throw new InvalidAmountError(amount, 'must have at most 2 decimal places');
  const [, sign, whole = '0', fraction = ''] = match;
  const minor = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  if (minor > MAX_AMOUNT_MINOR) throw new InvalidAmountError(amount, `must be at most ${MAX_AMOUNT}`);
  return sign === '-' ? -minor : minor;
}

/** Converts minor units back to the API's number: 200000 → 2000, 2999 → 29.99. */
export function fromMinorUnits(minor: number): number {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`not an integer amount of minor units: ${minor}`);
  return minor / 100;
}
