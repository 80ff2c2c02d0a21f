import { describe, expect, it } from "vitest";
import { stockErrorsByInput, toAdjustmentBody, toSetAsideBody, toThresholdBody } from "./stock-form";

describe("the stock adjustment form", () => {
  it("sends whole units with their sign, the reason, and a note only when one is typed", () => {
    expect(toAdjustmentBody({ delta: " -2 ", reason: "damage", note: "  dropped off the shelf " })).toEqual({
      ok: true,
      value: { delta: -2, reason: "damage", note: "dropped off the shelf" },
    });
    expect(toAdjustmentBody({ delta: "+12", reason: "restock", note: "   " })).toEqual({
      ok: true,
      value: { delta: 12, reason: "restock" },
    });
    expect(toAdjustmentBody({ delta: "\u22123", reason: "count", note: "" })).toEqual({
      ok: true,
      value: { delta: -3, reason: "count" },
    });
  });

  it("refuses what the API would: no change, a fraction, too many units, no reason", () => {
    for (const delta of ["0", "-0", "", "1.5", "two", "--1"]) {
      const parsed = toAdjustmentBody({ delta, reason: "restock", note: "" });
      expect(parsed.ok, delta).toBe(false);
      if (!parsed.ok) expect(parsed.errors.delta).toBe("Enter a whole number of units other than 0.");
    }
    expect(toAdjustmentBody({ delta: "-1000001", reason: "count", note: "" })).toEqual({
      ok: false,
      errors: { delta: "One adjustment can add or take away at most 1,000,000 units." },
    });
    expect(toAdjustmentBody({ delta: "1000000", reason: "count", note: "" }).ok).toBe(true);
    expect(toAdjustmentBody({ delta: "0", reason: "", note: "" })).toEqual({
      ok: false,
      errors: {
        delta: "Enter a whole number of units other than 0.",
        reason: "Choose why the stock changes.",
      },
    });
  });

  it("counts a note's characters as the API does, and refuses control characters", () => {
    expect(toAdjustmentBody({ delta: "1", reason: "correction", note: "é".repeat(200) }).ok).toBe(true);
    // 200 emoji are 400 UTF-16 units yet 200 characters.
    expect(toAdjustmentBody({ delta: "1", reason: "correction", note: "📦".repeat(200) }).ok).toBe(true);
    expect(toAdjustmentBody({ delta: "1", reason: "correction", note: "x".repeat(201) })).toEqual({
      ok: false,
      errors: { note: "Keep the note to 200 characters or fewer." },
    });
    expect(toAdjustmentBody({ delta: "1", reason: "correction", note: "box\tthree" })).toEqual({
      ok: false,
      errors: { note: "The note cannot hold control characters such as tabs." },
    });
  });

  it("puts the API's field errors beside their inputs, any other above the form", () => {
    expect(
      stockErrorsByInput([
        { field: "delta", message: "must be a non-zero number of units up to 1000000" },
        { field: "note", message: "must be at most 200 characters, without control characters" },
        { field: "low_stock_threshold", message: "must be 0 to 1000000" },
        { field: "sku", message: "is unknown" },
      ]),
    ).toEqual({
      delta: "Must be a non-zero number of units up to 1000000.",
      note: "Must be at most 200 characters, without control characters.",
      threshold: "Must be 0 to 1000000.",
      form: "sku: is unknown",
    });
  });
});

describe("the set-aside form", () => {
  it("sends the units with the mode's sign, and a note only when one is typed", () => {
    expect(toSetAsideBody({ mode: "set_aside", units: " 3 ", note: "  water damage " })).toEqual({
      ok: true,
      value: { delta: 3, note: "water damage" },
    });
    expect(toSetAsideBody({ mode: "put_back", units: "2", note: "  " })).toEqual({ ok: true, value: { delta: -2 } });
    expect(toSetAsideBody({ mode: "put_back", units: "1000000", note: "" })).toEqual({ ok: true, value: { delta: -1_000_000 } });
  });

  it("refuses what the API would: no units, a sign or fraction, too many, a bad note", () => {
    for (const units of ["", "0", "-2", "+2", "1.5", "two", "1000001"]) {
      expect(toSetAsideBody({ mode: "set_aside", units, note: "" }), units).toEqual({
        ok: false,
        errors: { delta: "Enter a whole number of units from 1 to 1,000,000." },
      });
    }
    expect(toSetAsideBody({ mode: "set_aside", units: "1", note: "x".repeat(201) })).toEqual({
      ok: false,
      errors: { note: "Keep the note to 200 characters or fewer." },
    });
    expect(toSetAsideBody({ mode: "put_back", units: "x", note: "line\nbreak" })).toEqual({
      ok: false,
      errors: {
        delta: "Enter a whole number of units from 1 to 1,000,000.",
        note: "The note cannot hold control characters such as tabs.",
      },
    });
  });
});

describe("the low-stock level form", () => {
  it("takes a whole number of units from 0 to 1,000,000", () => {
    expect(toThresholdBody(" 12 ")).toEqual({ ok: true, value: { low_stock_threshold: 12 } });
    expect(toThresholdBody("0")).toEqual({ ok: true, value: { low_stock_threshold: 0 } });
    for (const text of ["", "-1", "2.5", "1000001", "ten"]) {
      expect(toThresholdBody(text), text).toEqual({
        ok: false,
        errors: { threshold: "Enter a whole number of units from 0 to 1,000,000." },
      });
    }
  });
});
