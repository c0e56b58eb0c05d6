/**
 * Money without floats: amounts are integers in the currency's minor unit (ISO 4217 exponent —
 * cents for EUR, none for JPY and KRW); unit prices may carry micro-units (10⁻⁶ of the major
 * unit). One rounding function, half-up on the magnitude then the sign (−2.5 → −3, 2.5 → 3), so a
 * refund is exactly the negative of the charge it reverses.
 *
 * Daily proration splits a charge into slices by the largest-remainder method (leftover units
 * spread evenly): each slice, and each run of slices, is within one minor unit of its exact share,
 * and they always add up to the charge, so "used" plus "refunded" equals what was charged, to the cent.
 */

/** ISO 4217 minor-unit exponents of the currencies the program's markets transact in. */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = {
  AUD: 2,
  CAD: 2,
  CHF: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  INR: 2,
  JPY: 0,
  KRW: 0,
  NOK: 2,
  NZD: 2,
  RUB: 2,
  SEK: 2,
  TWD: 2,
  USD: 2,
};

/** Micro-units per major unit: unit prices are kept at this precision. */
export const MICROS = 1_000_000n;

/** The exponent of a currency; throws for a currency the program does not know (a programming error). */
export function exponentOf(currency: string): number {
  const e = CURRENCY_EXPONENTS[currency];
  if (e === undefined) throw new Error(`unknown currency ${currency}`);
  return e;
}

/**
 * Divides `numerator` by a positive `denominator`, rounding half-up on the magnitude then applying
 * the sign. The one rounding rule of OpenCSP.
 */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new Error('denominator must be positive');
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const q = magnitude / denominator;
  const r = magnitude % denominator;
  const rounded = r * 2n >= denominator ? q + 1n : q;
  return negative ? -rounded : rounded;
}

/** A unit price in micro-units times a quantity, as an amount in the currency's minor unit (rounded once). */
export function extend(unitPriceMicros: bigint, quantity: bigint, currency: string): bigint {
  const perMinor = MICROS / 10n ** BigInt(exponentOf(currency));
  return divideRounded(unitPriceMicros * quantity, perMinor);
}

/** Minor units to micro-units (exact). */
export function minorToMicros(minor: bigint, currency: string): bigint {
  return minor * (MICROS / 10n ** BigInt(exponentOf(currency)));
}

/**
 * Splits `amount` (minor units, any sign) into `parts` slices by the largest-remainder method with
 * the leftover units spread evenly: slice i is `round((i+1)·amount/parts) − round(i·amount/parts)`
 * (the one rounding rule). Every slice is the floor or the ceiling of its exact share, the slices
 * always sum to `amount`, and — unlike handing every leftover unit to the first slices — any run
 * of consecutive slices (what was used, what is refunded) is within one minor unit of its exact share.
 */
export function splitLargestRemainder(amount: bigint, parts: number): bigint[] {
  if (!Number.isSafeInteger(parts) || parts < 1) throw new Error('parts must be a positive integer');
  const n = BigInt(parts);
  const slices: bigint[] = [];
  let before = 0n;
  for (let i = 1n; i <= n; i++) {
    const upTo = divideRounded(amount * i, n);
    slices.push(upTo - before);
    before = upTo;
  }
  return slices;
}

/** The sum of the first `days` slices of `amount` split over `parts` (exact, without building them). */
export function slicesUpTo(amount: bigint, parts: number, days: number): bigint {
  if (days <= 0) return 0n;
  if (days >= parts) return amount;
  return divideRounded(amount * BigInt(days), BigInt(parts));
}

/**
 * The refund of a charge split over `days` daily slices when the service stops after `usedDays`:
 * minus the sum of the remaining slices, so used + refunded = charge exactly.
 */
export function refundFrom(charge: bigint, days: number, usedDays: number): bigint {
  if (usedDays < 0 || usedDays > days) throw new Error('usedDays must be within the period');
  return -(charge - slicesUpTo(charge, days, usedDays));
}

/** Formats minor units for people (`1234` EUR → `12.34 EUR`, `-5` JPY → `-5 JPY`). */
export function formatMoney(minor: bigint, currency: string): string {
  const e = exponentOf(currency);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(e + 1, '0');
  const major = e === 0 ? digits : `${digits.slice(0, -e)}.${digits.slice(-e)}`;
  return `${negative ? '-' : ''}${major} ${currency}`;
}

const DECIMAL = /^(-?)(\d{1,15})(?:\.(\d{1,6}))?$/;

/**
 * Parses a decimal string (`"12.5"`, `"-0.000001"`) into an integer scaled by 10^`decimals`;
 * undefined when it is not a plain decimal or has more digits after the point than `decimals`.
 */
export function parseDecimal(text: string, decimals: number): bigint | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const fraction = m[3] ?? '';
  if (fraction.length > decimals) return undefined;
  const value = BigInt(`${m[2]}${fraction.padEnd(decimals, '0')}`);
  return m[1] === '-' ? -value : value;
}

/**
 * An integer scaled by 10^`decimals` as a locale-free decimal string (`1234`, 2 → `12.34`). Takes a
 * `bigint` or an integer `number` (as the stores read them: a number while it is exact).
 */
export function formatScaled(value: bigint | number, decimals: number): string {
  const negative = value < 0;
  const digits = String(negative ? -value : value).padStart(decimals + 1, '0');
  const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return negative ? `-${text}` : text;
}

/** An amount in minor units as a decimal string at the currency's exponent (`1234` EUR → `12.34`). */
export function formatAmount(minor: bigint | number, currency: string): string {
  return formatScaled(minor, exponentOf(currency));
}

/** A unit price in micro-units as a decimal string with six decimals (`12340000` → `12.340000`). */
export function formatMicros(micros: bigint | number): string {
  return formatScaled(micros, 6);
}
