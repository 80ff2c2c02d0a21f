/**
 * The cart as a pure reducer: every change is an action, so the rules
 * (merge same product, quantities 1..100, at most 50 lines) live in one
 * place and are unit-tested without a browser.
 */
import type { Money } from "../api/types";
import { multiplyMoney, totalsByCurrency } from "../money";

/** Per-line quantity limit of the API's PlaceOrder. */
export const MAX_QUANTITY = 100;
/** Line limit of the API's PlaceOrder. */
export const MAX_LINES = 50;

export interface CartLine {
  productId: string;
  name: string;
  unitPrice: Money;
  quantity: number;
}

export interface CartState {
  lines: CartLine[];
}

export interface CartProductInfo {
  id: string;
  name: string;
  price: Money;
}

export type CartAction =
  | { type: "add"; product: CartProductInfo; quantity: number }
  | { type: "setQuantity"; productId: string; quantity: number }
  | { type: "remove"; productId: string }
  | { type: "refresh"; product: CartProductInfo }
  | { type: "clear" }
  | { type: "replace"; state: CartState };

export const EMPTY_CART: CartState = { lines: [] };

export function clampQuantity(quantity: number): number {
  if (!Number.isFinite(quantity)) return 1;
  return Math.min(MAX_QUANTITY, Math.max(1, Math.trunc(quantity)));
}

export function cartReducer(state: CartState, action: CartAction): CartState {
  switch (action.type) {
    case "add": {
      const { product } = action;
      const existing = state.lines.find((l) => l.productId === product.id);
      if (existing) {
        return {
          lines: state.lines.map((l) =>
            l.productId === product.id
              ? {
                  ...l,
                  name: product.name,
                  unitPrice: product.price,
                  quantity: clampQuantity(l.quantity + action.quantity),
                }
              : l,
          ),
        };
      }
      if (state.lines.length >= MAX_LINES) return state;
      return {
        lines: [
          ...state.lines,
          {
            productId: product.id,
            name: product.name,
            unitPrice: product.price,
            quantity: clampQuantity(action.quantity),
          },
        ],
      };
    }
    case "setQuantity": {
      if (action.quantity <= 0) {
        return { lines: state.lines.filter((l) => l.productId !== action.productId) };
      }
      return {
        lines: state.lines.map((l) =>
          l.productId === action.productId ? { ...l, quantity: clampQuantity(action.quantity) } : l,
        ),
      };
    }
    case "remove":
      return { lines: state.lines.filter((l) => l.productId !== action.productId) };
    case "refresh": {
      const { product } = action;
      let changed = false;
      const lines = state.lines.map((l) => {
        if (
          l.productId !== product.id ||
          (l.name === product.name &&
            l.unitPrice.amount_minor === product.price.amount_minor &&
            l.unitPrice.currency === product.price.currency)
        ) {
          return l;
        }
        changed = true;
        return { ...l, name: product.name, unitPrice: product.price };
      });
      return changed ? { lines } : state;
    }
    case "clear":
      return EMPTY_CART;
    case "replace":
      return action.state;
  }
}

export function itemCount(state: CartState): number {
  return state.lines.reduce((n, l) => n + l.quantity, 0);
}

export function lineTotal(line: CartLine): Money {
  return multiplyMoney(line.unitPrice, line.quantity);
}

export function cartTotals(state: CartState): Money[] {
  return totalsByCurrency(state.lines.map(lineTotal));
}

/**
 * Reads a cart saved by an earlier visit. Anything malformed is dropped line
 * by line rather than trusted, since localStorage is editable by anyone.
 */
export function parseStoredCart(raw: string | null): CartState {
  if (!raw) return EMPTY_CART;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return EMPTY_CART;
  }
  if (typeof data !== "object" || data === null) return EMPTY_CART;
  const lines = (data as { lines?: unknown }).lines;
  if (!Array.isArray(lines)) return EMPTY_CART;
  const seen = new Set<string>();
  const valid: CartLine[] = [];
  for (const item of lines) {
    if (typeof item !== "object" || item === null) continue;
    const { productId, name, unitPrice, quantity } = item as Record<string, unknown>;
    if (typeof productId !== "string" || !productId || seen.has(productId)) continue;
    if (typeof name !== "string") continue;
    if (typeof quantity !== "number" || quantity < 1) continue;
    if (typeof unitPrice !== "object" || unitPrice === null) continue;
    const { amount_minor, currency } = unitPrice as Record<string, unknown>;
    if (!Number.isSafeInteger(amount_minor) || typeof currency !== "string") continue;
    seen.add(productId);
    valid.push({
      productId,
      name,
      unitPrice: { amount_minor: amount_minor as number, currency },
      quantity: clampQuantity(quantity),
    });
    if (valid.length >= MAX_LINES) break;
  }
  return { lines: valid };
}
