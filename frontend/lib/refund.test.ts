import { describe, expect, it } from "vitest";
import { toMinorUnits } from "./money";
import { refundErrorsByInput, refundFormFor, toRefundBody } from "./refund";

const usd = (amount_minor: number) => ({ amount_minor, currency: "USD" });

describe("toMinorUnits", () => {
  it("reads amounts as typed without a float", () => {
    expect(toMinorUnits("12", 2)).toBe(1200);
    expect(toMinorUnits(" 12.5 ", 2)).toBe(1250);
    expect(toMinorUnits("$1,299.99", 2)).toBe(129999);
    expect(toMinorUnits("0.07", 2)).toBe(7);
    expect(toMinorUnits("500", 0)).toBe(500);
  });

  it("refuses what is not an amount", () => {
    for (const text of ["", "abc", "1.234", "-5", "1e3", "12.5.0"]) expect(toMinorUnits(text, 2)).toBeNull();
    expect(toMinorUnits("5.5", 0)).toBeNull();
  });
});

describe("toRefundBody", () => {
  it("opens on everything still charged, and sends that as the rest", () => {
    const form = refundFormFor(usd(4_700));
    expect(form.amount).toBe("47.00");
    expect(toRefundBody({ ...form, reason: " Damaged \n box " }, usd(4_700))).toEqual({
      ok: true,
      value: { reason: "Damaged box" },
    });
  });

  it("sends a part as an amount", () => {
    expect(toRefundBody({ amount: "10", reason: "Late" }, usd(4_700))).toEqual({
      ok: true,
      value: { amount_minor: 1_000, reason: "Late" },
    });
  });

  it("refuses nothing, too much and no reason before asking", () => {
    const refused = (amount: string, reason = "Late") => toRefundBody({ amount, reason }, usd(4_700));
    expect(refused("0")).toMatchObject({ ok: false, errors: { amount: expect.stringContaining("above zero") } });
    expect(refused("ten")).toMatchObject({ ok: false, errors: { amount: expect.stringContaining("above zero") } });
    expect(refused("47.01")).toMatchObject({ ok: false, errors: { amount: "At most $47.00 can still be refunded." } });
    expect(refused("5", "   ")).toMatchObject({ ok: false, errors: { reason: expect.stringContaining("Say why") } });
    expect(refused("5", "x".repeat(501))).toMatchObject({ ok: false, errors: { reason: expect.stringContaining("500") } });
  });

  it("places the API's field errors beside their inputs", () => {
    expect(
      refundErrorsByInput([
        { field: "amount_minor", message: "must be more than zero" },
        { field: "reason", message: "must be 1 to 500 characters" },
        { field: "other", message: "is odd" },
      ]),
    ).toEqual({ amount: "Must be more than zero.", reason: "Must be 1 to 500 characters.", form: "other: is odd" });
  });
});
