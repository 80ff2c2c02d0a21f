import { describe, expect, it } from "vitest";
import { ApiError, unreachable } from "./api/problem";
import type { ShippingOption } from "./api/types";
import type { CartLine } from "./cart/reducer";
import { checkoutTotals, chosenOption, deliveryEstimate, quoteLinesKey, quoteStatus, shippingPrice, summaryShipping } from "./shipping";

const usd = (amount_minor: number) => ({ amount_minor, currency: "USD" });
const standard: ShippingOption = { service: "standard", zone: "domestic", price: usd(800), free: false, minDays: 3, maxDays: 5 };
const express: ShippingOption = { service: "express", zone: "domestic", price: usd(2200), free: false, minDays: 1, maxDays: 2 };
const lines: CartLine[] = [
  { productId: "p1", name: "Mug", unitPrice: usd(1999), quantity: 2 },
  { productId: "p2", name: "Towel", unitPrice: usd(1250), quantity: 1 },
];

describe("a shipping option in words", () => {
  it("gives the quoted price, or Free when the shop's threshold made it free", () => {
    expect(shippingPrice(standard)).toBe("$8.00");
    expect(shippingPrice({ ...standard, price: usd(0), free: true })).toBe("Free");
  });

  it("gives the delivery estimate as a range of business days", () => {
    expect(deliveryEstimate(standard)).toBe("3\u20135 business days");
    expect(deliveryEstimate({ minDays: 1, maxDays: 1 })).toBe("1 business day");
    expect(deliveryEstimate({ minDays: 2, maxDays: 2 })).toBe("2 business days");
  });
});

describe("where the quote stands", () => {
  it("is loading, then ready with the options", () => {
    expect(quoteStatus(undefined, undefined)).toEqual({ state: "loading" });
    const quote = { weightGrams: 900, itemsValue: usd(5248), options: [standard, express] };
    expect(quoteStatus(quote, undefined)).toEqual({ state: "ready", options: [standard, express] });
  });

  it("tells an address nothing ships to from a quote that could not be had", () => {
    const nowhere = new ApiError(422, { detail: "We do not ship this cart to AQ.", code: "shipping_unavailable" });
    expect(quoteStatus(undefined, nowhere)).toEqual({ state: "unavailable" });
    expect(quoteStatus(undefined, unreachable())).toEqual({
      state: "failed",
      message: "We couldn't reach the shop just now. Please try again in a moment.",
    });
    const unknown = new ApiError(422, { detail: "the request has invalid fields", errors: [{ field: "lines[0].product_id", message: "no such product" }] });
    expect(quoteStatus(undefined, unknown)).toEqual({ state: "failed", message: "The request has invalid fields." });
  });
});

describe("the option charged and the totals", () => {
  it("lands on the chosen service, or the first offered when it is not offered", () => {
    expect(chosenOption([standard, express], "express")).toBe(express);
    expect(chosenOption([standard], "express")).toBe(standard);
    expect(chosenOption([], "standard")).toBeNull();
  });

  it("adds the chosen option's price to the items, and nothing while no option is known", () => {
    expect(checkoutTotals(lines, standard)).toEqual([usd(2 * 1999 + 1250 + 800)]);
    expect(checkoutTotals(lines, express)).toEqual([usd(2 * 1999 + 1250 + 2200)]);
    expect(checkoutTotals(lines, { ...standard, price: usd(0), free: true })).toEqual([usd(2 * 1999 + 1250)]);
    expect(checkoutTotals(lines, null)).toEqual([usd(2 * 1999 + 1250)]);
  });

  it("says what the summary's shipping line shows in each state", () => {
    expect(summaryShipping({ state: "ready", options: [standard, express] }, "express")).toEqual({ option: express, text: "$22.00" });
    expect(summaryShipping({ state: "loading" }, "standard")).toEqual({ option: null, text: "Calculating…" });
    expect(summaryShipping({ state: "unavailable" }, "standard")).toEqual({ option: null, text: "Not available" });
    expect(summaryShipping({ state: "failed", message: "x" }, "standard")).toEqual({ option: null, text: "Not known yet" });
  });

  it("asks again when a line's quantity changes", () => {
    expect(quoteLinesKey(lines)).toBe("p1×2,p2×1");
    expect(quoteLinesKey([{ ...lines[0]!, quantity: 3 }])).toBe("p1×3");
  });
});
