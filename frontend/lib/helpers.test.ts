import { describe, expect, it } from "vitest";
import { cardDigits, cardExpiry, cardName, formatCardNumber, passesLuhn, TEST_CARDS } from "./card";
import { countryName } from "./countries";
import { pluralize, safeNextPath, shortId } from "./format";
import { ApiError } from "./api/problem";
import { answeredForGood, newIdempotencyKey } from "./idempotency";

describe("card entry", () => {
  it("formats the number in groups of four and strips everything else", () => {
    expect(formatCardNumber("4242424242424242")).toBe("4242 4242 4242 4242");
    expect(cardDigits("4000-0000 0000 0002")).toBe("4000000000000002");
  });

  it("all test cards pass the Luhn check, typos do not", () => {
    for (const card of TEST_CARDS) expect(passesLuhn(cardDigits(card.number))).toBe(true);
    expect(passesLuhn("4242424242424241")).toBe(false);
    expect(passesLuhn("4242")).toBe(false);
  });

  it("names a saved card by its network and last four, and prints its expiry as on the card", () => {
    expect(cardName({ brand: "mastercard", last4: "4444" })).toBe("Mastercard •••• 4444");
    expect(cardName({ brand: "amex", last4: "0005" })).toBe("American Express •••• 0005");
    expect(cardName({ brand: "card", last4: "9995" })).toBe("Card •••• 9995");
    expect(cardName({ brand: "a-network-added-later", last4: "1234" })).toBe("Card •••• 1234");
    expect(cardExpiry({ expMonth: 3, expYear: 2031 })).toBe("03/2031");
  });
});

describe("formatting and safety helpers", () => {
  it("only same-site paths are allowed after sign-in", () => {
    expect(safeNextPath("/orders/1")).toBe("/orders/1");
    expect(safeNextPath("https://evil.example")).toBe("/");
    expect(safeNextPath("//evil.example")).toBe("/");
    expect(safeNextPath("/\\evil.example")).toBe("/");
    expect(safeNextPath(undefined, "/checkout")).toBe("/checkout");
  });

  it("short ids and plurals read naturally", () => {
    expect(shortId("0190a000-0000-7000-8000-00000000abcd")).toBe("0000ABCD");
    expect(pluralize(1, "item")).toBe("1 item");
    expect(pluralize(3, "item")).toBe("3 items");
  });

  it("Antarctica is offered at checkout", () => {
    expect(countryName("AQ")).toBe("Antarctica");
    expect(countryName("ZZ")).toBe("ZZ");
  });

  it("idempotency keys are fresh UUIDs", () => {
    const a = newIdempotencyKey();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newIdempotencyKey()).not.toBe(a);
  });

  it("a key is spent by a final answer, not by one that asks for the same request again", () => {
    for (const status of [400, 401, 404, 422, 500]) expect(answeredForGood(new ApiError(status, null))).toBe(true);
    for (const status of [409, 429, 503]) expect(answeredForGood(new ApiError(status, null))).toBe(false);
    expect(answeredForGood(new TypeError("fetch failed"))).toBe(false);
  });
});
