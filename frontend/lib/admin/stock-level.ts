/**
 * The stock screens' words for what inventory reports: a level's state (out, low, in stock),
 * the adjustment reasons the API knows, the kinds of movement in a product's history, and
 * signed unit changes. Pure, so the rules are unit-tested apart from the pages.
 */
import type { SetAsideBody, StockAdjustmentBody, StockAdjustmentReason, StockLevel, StockMovementKind } from "../api/types";
import { shortId } from "../format";
import type { SetAsideMode } from "./stock-form";

/** Where a product stands: nothing left to promise, at or below its low-stock level, or neither. */
export type StockState = "out" | "low" | "in";

/** The API's rule: low when what can be promised is at or below the threshold; out when nothing is. */
export function stockState(level: Pick<StockLevel, "available" | "lowStockThreshold">): StockState {
  if (level.available <= 0) return "out";
  return level.available <= level.lowStockThreshold ? "low" : "in";
}

/** A state as the badge says it. */
export const STOCK_STATE_LABEL: Record<StockState, string> = {
  out: "Out of stock",
  low: "Low",
  in: "In stock",
};

/** The reasons an adjustment may give, in the order the form offers them. */
export const ADJUSTMENT_REASONS: readonly StockAdjustmentReason[] = ["restock", "count", "correction", "damage", "shrinkage"];

/** A reason as the form offers it and the history shows it. */
export const REASON_LABEL: Record<StockAdjustmentReason, string> = {
  restock: "Restock",
  count: "Stock count",
  correction: "Correction",
  damage: "Damage",
  shrinkage: "Shrinkage (lost or stolen)",
};

/** A recorded reason in words; one from before reasons were fixed is shown as written. */
export function reasonLabel(reason: string): string {
  return (REASON_LABEL as Record<string, string | undefined>)[reason] ?? reason;
}

const MOVEMENT_LABEL: Record<StockMovementKind, string> = {
  opened: "Opened",
  adjusted: "Adjusted",
  set_aside: "Set aside",
  reserved: "Held for an order",
  released: "Released from an order",
  shipped: "Shipped",
};

/**
 * A movement's kind in words; a kind added since is shown as the API names it. Units set
 * aside with a negative change went back on sale.
 */
export function movementLabel(kind: string, unavailableChange: number): string {
  if (kind === "set_aside" && unavailableChange < 0) return "Back on sale";
  return (MOVEMENT_LABEL as Record<string, string | undefined>)[kind] ?? kind;
}

/** The set-aside dialog's two directions, as it offers them. */
export const SET_ASIDE_MODE_LABEL: Record<SetAsideMode, string> = {
  set_aside: "Set aside as unavailable",
  put_back: "Put back on sale",
};

/** "+5", "−2" (a true minus sign) or "0": a change in units, its direction always shown. */
export function signedUnits(change: number): string {
  if (change > 0) return `+${change}`;
  if (change < 0) return `\u2212${Math.abs(change)}`;
  return "0";
}

/** The name a stock row goes by: the catalog's, or the product id's short form when the catalog no longer has it. */
export function productLabel(productId: string, product: { name: string } | null): string {
  return product ? product.name : `Deleted product #${shortId(productId)}`;
}

/** What an adjustment did, for the message shown after it. */
export function adjustmentOutcome(name: string, level: StockLevel, adjustment: StockAdjustmentBody): string {
  const units = Math.abs(adjustment.delta) === 1 ? "unit" : "units";
  return (
    `${name}: ${signedUnits(adjustment.delta)} ${units} (${reasonLabel(adjustment.reason)}). ` +
    `Now ${level.onHand} on hand, ${level.available} available.`
  );
}

/** What setting units aside (or back on sale) did, for the message shown after it. */
export function setAsideOutcome(name: string, level: StockLevel, change: SetAsideBody): string {
  const count = Math.abs(change.delta);
  const units = `${count} ${count === 1 ? "unit" : "units"}`;
  const what = change.delta > 0 ? `${units} set aside as unavailable` : `${units} back on sale`;
  return `${name}: ${what}. Now ${level.unavailable} unavailable, ${level.available} available.`;
}

/** What a new low-stock level means for the product, for the message shown after it. */
export function thresholdOutcome(name: string, level: StockLevel): string {
  const now = stockState(level) === "in" ? "" : ` It is ${STOCK_STATE_LABEL[stockState(level)].toLowerCase()} now.`;
  return `${name} counts as low at ${level.lowStockThreshold} available or fewer.${now}`;
}
