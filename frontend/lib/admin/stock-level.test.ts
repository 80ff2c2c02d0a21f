import { describe, expect, it } from "vitest";
import {
  adjustmentOutcome,
  movementLabel,
  productLabel,
  reasonLabel,
  setAsideOutcome,
  signedUnits,
  stockState,
  thresholdOutcome,
} from "./stock-level";

const level = { productId: "0190a000-0000-7000-8000-00000000abcd", onHand: 40, reserved: 2, unavailable: 0, available: 38, lowStockThreshold: 5 };

describe("a stock level's state", () => {
  it("is low at or below the threshold, and out when nothing can be promised", () => {
    expect(stockState({ available: 6, lowStockThreshold: 5 })).toBe("in");
    expect(stockState({ available: 5, lowStockThreshold: 5 })).toBe("low");
    expect(stockState({ available: 1, lowStockThreshold: 0 })).toBe("in");
    expect(stockState({ available: 0, lowStockThreshold: 0 })).toBe("out");
    expect(stockState({ available: 0, lowStockThreshold: 5 })).toBe("out");
  });
});

describe("the stock screens' words", () => {
  it("names reasons and movements, keeping ones it does not know as written", () => {
    expect(reasonLabel("shrinkage")).toBe("Shrinkage (lost or stolen)");
    expect(reasonLabel("stocktake 2023")).toBe("stocktake 2023");
    expect(movementLabel("reserved", 0)).toBe("Held for an order");
    expect(movementLabel("transferred", 0)).toBe("transferred");
  });

  it("tells units set aside from units put back on sale by the change's sign", () => {
    expect(movementLabel("set_aside", 3)).toBe("Set aside");
    expect(movementLabel("set_aside", -3)).toBe("Back on sale");
    // A damage write-off that took set-aside units is still an adjustment.
    expect(movementLabel("adjusted", -2)).toBe("Adjusted");
  });

  it("always shows a change's direction, with a true minus sign", () => {
    expect(signedUnits(5)).toBe("+5");
    expect(signedUnits(-2)).toBe("\u22122");
    expect(signedUnits(0)).toBe("0");
  });

  it("names a product the catalog no longer has by its id", () => {
    expect(productLabel(level.productId, { name: "Stoneware Mug" })).toBe("Stoneware Mug");
    expect(productLabel(level.productId, null)).toBe("Deleted product #0000ABCD");
  });

  it("says what a change did", () => {
    expect(adjustmentOutcome("Stoneware Mug", level, { delta: -2, reason: "damage", note: "chipped" })).toBe(
      "Stoneware Mug: \u22122 units (Damage). Now 40 on hand, 38 available.",
    );
    expect(adjustmentOutcome("Stoneware Mug", level, { delta: 1, reason: "restock" })).toBe(
      "Stoneware Mug: +1 unit (Restock). Now 40 on hand, 38 available.",
    );
    expect(setAsideOutcome("Stoneware Mug", { ...level, unavailable: 3, available: 35 }, { delta: 3, note: "wet" })).toBe(
      "Stoneware Mug: 3 units set aside as unavailable. Now 3 unavailable, 35 available.",
    );
    expect(setAsideOutcome("Stoneware Mug", { ...level, unavailable: 2, available: 36 }, { delta: -1 })).toBe(
      "Stoneware Mug: 1 unit back on sale. Now 2 unavailable, 36 available.",
    );
    expect(thresholdOutcome("Stoneware Mug", level)).toBe("Stoneware Mug counts as low at 5 available or fewer.");
    expect(thresholdOutcome("Stoneware Mug", { ...level, lowStockThreshold: 40 })).toBe(
      "Stoneware Mug counts as low at 40 available or fewer. It is low now.",
    );
    expect(thresholdOutcome("Stoneware Mug", { ...level, available: 0 })).toBe(
      "Stoneware Mug counts as low at 5 available or fewer. It is out of stock now.",
    );
  });
});
