import { describe, expect, it } from "vitest";
import { formatMoney, formatTotals, multiplyMoney, toDecimalString, totalsByCurrency } from "./money";

describe("money", () => {
  it("formats minor units as a currency amount", () => {
    expect(formatMoney({ amount_minor: 1999, currency: "USD" })).toBe("$19.99");
    expect(formatMoney({ amount_minor: 5, currency: "USD" })).toBe("$0.05");
    expect(formatMoney({ amount_minor: 123456789, currency: "USD" })).toBe("$1,234,567.89");
  });

  it("respects currencies without minor digits", () => {
    expect(formatMoney({ amount_minor: 1500, currency: "JPY" })).toBe("¥1,500");
  });

  it("formats negative amounts", () => {
    expect(formatMoney({ amount_minor: -250, currency: "EUR" })).toBe("-€2.50");
  });

  it("never goes through a float: large amounts stay exact", () => {
    expect(toDecimalString(900719925474099, 2)).toBe("9007199254740.99");
    expect(formatMoney({ amount_minor: 900719925474099, currency: "USD" })).toBe("$9,007,199,254,740.99");
  });

  it("rejects non-integer amounts", () => {
    expect(() => toDecimalString(1.5, 2)).toThrow(RangeError);
  });

  it("multiplies by an integer quantity", () => {
    expect(multiplyMoney({ amount_minor: 1999, currency: "USD" }, 3)).toEqual({ amount_minor: 5997, currency: "USD" });
    expect(() => multiplyMoney({ amount_minor: 1, currency: "USD" }, 0.5)).toThrow();
  });

  it("sums per currency and shows mixed totals side by side", () => {
    const amounts = [
      { amount_minor: 100, currency: "USD" },
      { amount_minor: 250, currency: "EUR" },
      { amount_minor: 50, currency: "USD" },
    ];
    expect(totalsByCurrency(amounts)).toEqual([
      { amount_minor: 150, currency: "USD" },
      { amount_minor: 250, currency: "EUR" },
    ]);
    expect(formatTotals(amounts)).toBe("$1.50 + €2.50");
    expect(formatTotals([])).toBe("$0.00");
  });
});
