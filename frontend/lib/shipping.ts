/**
 * Shipping at checkout and on the order page, as plain data: an option in the shop's words
 * (its price, "Free" when the shop's threshold made it free, and "3–5 business days"),
 * where a quote stands (asked, answered, nothing ships there, or could not be asked), the
 * option a choice lands on, and the totals with shipping. Prices are always the API's.
 */
import { ApiError, errorMessage } from "./api/problem";
import type { Money, ShippingOption, ShippingQuote, ShippingService } from "./api/types";
import { type CartLine, lineTotal } from "./cart/reducer";
import { formatMoney, totalsByCurrency } from "./money";

/** A service level as shoppers read it. */
export const SERVICE_LABEL: Record<ShippingService, string> = { standard: "Standard", express: "Express" };

/** What checkout starts on, as the API does when none is given. */
export const DEFAULT_SERVICE: ShippingService = "standard";

/** "3–5 business days", or "1 business day" when the estimate is one number. */
export function deliveryEstimate(option: Pick<ShippingOption, "minDays" | "maxDays">): string {
  if (option.minDays === option.maxDays) return `${option.minDays} business ${option.minDays === 1 ? "day" : "days"}`;
  return `${option.minDays}\u2013${option.maxDays} business days`;
}

/** "Free" when the shop's threshold made it free, the price otherwise. */
export function shippingPrice(option: Pick<ShippingOption, "free" | "price">): string {
  return option.free ? "Free" : formatMoney(option.price);
}

/** Where the quote for the address stands. */
export type QuoteStatus =
  | { state: "loading" }
  | { state: "ready"; options: ShippingOption[] }
  /** Nothing ships to the country: the order may still be placed, and is then cancelled and refunded. */
  | { state: "unavailable" }
  /** The quote could not be had (the shop unreachable, a cart line unknown): worth asking again. */
  | { state: "failed"; message: string };

/** Where the quote stands, from what asking for it gave (SWR's data and error). */
export function quoteStatus(quote: ShippingQuote | undefined, error: unknown): QuoteStatus {
  if (error instanceof ApiError && error.code === "shipping_unavailable") return { state: "unavailable" };
  if (error) return { state: "failed", message: errorMessage(error) };
  return quote ? { state: "ready", options: quote.options } : { state: "loading" };
}

/** The option `service` names, or the first offered when it is not (Express is not offered for every parcel). */
export function chosenOption(options: readonly ShippingOption[], service: ShippingService): ShippingOption | null {
  return options.find((option) => option.service === service) ?? options[0] ?? null;
}

/** The order summary's shipping line: the option charged, if one is known, and what the line says. */
export function summaryShipping(status: QuoteStatus, service: ShippingService): { option: ShippingOption | null; text: string } {
  switch (status.state) {
    case "ready": {
      const option = chosenOption(status.options, service);
      return { option, text: option ? shippingPrice(option) : "Not available" };
    }
    case "loading":
      return { option: null, text: "Calculating…" };
    case "unavailable":
      return { option: null, text: "Not available" };
    case "failed":
      return { option: null, text: "Not known yet" };
  }
}

/** Items plus shipping (when an option is known), per currency: what the order will charge. */
export function checkoutTotals(lines: readonly CartLine[], option: ShippingOption | null): Money[] {
  return totalsByCurrency([...lines.map(lineTotal), ...(option ? [option.price] : [])]);
}

/** The cart's lines as one string ("id×2,id×1"), so a quote is asked again when they change. */
export function quoteLinesKey(lines: readonly CartLine[]): string {
  return lines.map((line) => `${line.productId}×${line.quantity}`).join(",");
}
