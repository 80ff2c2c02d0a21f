/**
 * Money arithmetic and display. Amounts stay integers in minor units end to
 * end; only formatting turns them into a decimal string, and it does so
 * without going through a float.
 */
import type { Money } from "./api/types";

/** One locale for server and browser so server-rendered prices hydrate unchanged. */
export const LOCALE = "en-US";

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string): Intl.NumberFormat {
  let f = formatters.get(currency);
  if (!f) {
    f = new Intl.NumberFormat(LOCALE, { style: "currency", currency });
    formatters.set(currency, f);
  }
  return f;
}

/** Number of minor-unit digits for a currency (2 for USD, 0 for JPY). */
export function minorDigits(currency: string): number {
  return formatter(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/** Exact decimal string for an integer amount of minor units, e.g. 1999 -> "19.99". */
export function toDecimalString(amountMinor: number, digits: number): string {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new RangeError(`amount must be a safe integer, got ${amountMinor}`);
  }
  const negative = amountMinor < 0;
  const raw = Math.abs(amountMinor).toString();
  if (digits === 0) return (negative ? "-" : "") + raw;
  const padded = raw.padStart(digits + 1, "0");
  const whole = padded.slice(0, -digits);
  const fraction = padded.slice(-digits);
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}

/**
 * Minor units for an amount typed in major units with at most `digits` decimals ("12",
 * "12.5", "$1,299.99"), without going through a float; null when it is not one.
 */
export function toMinorUnits(text: string, digits: number): number | null {
  const cleaned = text.trim().replace(/^\$/, "").replace(/,(?=\d{3}(\D|$))/g, "");
  const match = (digits === 0 ? /^(\d+)()$/ : new RegExp(`^(\\d+)(?:\\.(\\d{0,${digits}}))?$`)).exec(cleaned);
  if (!match) return null;
  const minor = Number(match[1] ?? "0") * 10 ** digits + Number((match[2] ?? "").padEnd(digits, "0") || "0");
  return Number.isSafeInteger(minor) ? minor : null;
}

/** "$19.99" for `{ amount_minor: 1999, currency: "USD" }`. */
export function formatMoney(money: Money): string {
  const decimal = toDecimalString(money.amount_minor, minorDigits(money.currency));
  // Intl.NumberFormat formats decimal strings exactly (no binary float rounding).
  return formatter(money.currency).format(decimal as Intl.StringNumericLiteral);
}

export function multiplyMoney(money: Money, quantity: number): Money {
  if (!Number.isInteger(quantity)) throw new RangeError("quantity must be an integer");
  return { amount_minor: money.amount_minor * quantity, currency: money.currency };
}

/**
 * Sums amounts per currency, keeping the order in which currencies first
 * appear. A cart normally holds one currency; mixing them is shown, not hidden.
 */
export function totalsByCurrency(amounts: readonly Money[]): Money[] {
  const totals = new Map<string, number>();
  for (const m of amounts) {
    totals.set(m.currency, (totals.get(m.currency) ?? 0) + m.amount_minor);
  }
  return [...totals].map(([currency, amount_minor]) => ({ amount_minor, currency }));
}

/** Totals formatted for display: "$42.00", or "$10.00 + €5.00" for mixed carts. */
export function formatTotals(amounts: readonly Money[]): string {
  const totals = totalsByCurrency(amounts);
  if (totals.length === 0) return formatMoney({ amount_minor: 0, currency: "USD" });
  return totals.map(formatMoney).join(" + ");
}
