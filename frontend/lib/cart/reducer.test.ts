import { describe, expect, it } from "vitest";
import {
  type CartState,
  EMPTY_CART,
  MAX_LINES,
  MAX_QUANTITY,
  cartReducer,
  cartTotals,
  itemCount,
  parseStoredCart,
} from "./reducer";

const mug = { id: "p1", name: "Mug", price: { amount_minor: 1999, currency: "USD" } };
const towel = { id: "p2", name: "Towel", price: { amount_minor: 1250, currency: "USD" } };

function withLines(...actions: Parameters<typeof cartReducer>[1][]): CartState {
  return actions.reduce(cartReducer, EMPTY_CART);
}

describe("cart reducer", () => {
  it("adding a product twice merges into one line", () => {
    const cart = withLines({ type: "add", product: mug, quantity: 1 }, { type: "add", product: mug, quantity: 2 });
    expect(cart.lines).toHaveLength(1);
    expect(cart.lines[0]?.quantity).toBe(3);
  });

  it("quantities are clamped to 1..100", () => {
    const cart = withLines({ type: "add", product: mug, quantity: 250 });
    expect(cart.lines[0]?.quantity).toBe(MAX_QUANTITY);
    const lowered = cartReducer(cart, { type: "setQuantity", productId: "p1", quantity: 2.7 });
    expect(lowered.lines[0]?.quantity).toBe(2);
    const added = cartReducer(lowered, { type: "add", product: mug, quantity: 200 });
    expect(added.lines[0]?.quantity).toBe(MAX_QUANTITY);
  });

  it("setting a quantity of zero removes the line", () => {
    const cart = withLines({ type: "add", product: mug, quantity: 1 }, { type: "setQuantity", productId: "p1", quantity: 0 });
    expect(cart.lines).toEqual([]);
  });

  it("remove and clear empty the cart", () => {
    const cart = withLines({ type: "add", product: mug, quantity: 1 }, { type: "add", product: towel, quantity: 1 });
    expect(cartReducer(cart, { type: "remove", productId: "p1" }).lines.map((l) => l.productId)).toEqual(["p2"]);
    expect(cartReducer(cart, { type: "clear" })).toEqual(EMPTY_CART);
  });

  it("a cart holds at most 50 distinct products", () => {
    let cart = EMPTY_CART;
    for (let i = 0; i < MAX_LINES + 5; i++) {
      cart = cartReducer(cart, { type: "add", product: { ...mug, id: `p${i}` }, quantity: 1 });
    }
    expect(cart.lines).toHaveLength(MAX_LINES);
  });

  it("refresh updates a changed price and keeps the same state otherwise", () => {
    const cart = withLines({ type: "add", product: mug, quantity: 2 });
    expect(cartReducer(cart, { type: "refresh", product: mug })).toBe(cart);
    const cheaper = cartReducer(cart, { type: "refresh", product: { ...mug, price: { amount_minor: 999, currency: "USD" } } });
    expect(cheaper.lines[0]?.unitPrice.amount_minor).toBe(999);
    expect(cheaper.lines[0]?.quantity).toBe(2);
  });

  it("counts items and totals lines in minor units", () => {
    const cart = withLines({ type: "add", product: mug, quantity: 3 }, { type: "add", product: towel, quantity: 2 });
    expect(itemCount(cart)).toBe(5);
    expect(cartTotals(cart)).toEqual([{ amount_minor: 3 * 1999 + 2 * 1250, currency: "USD" }]);
  });
});

describe("parseStoredCart", () => {
  it("restores a saved cart", () => {
    const cart = withLines({ type: "add", product: mug, quantity: 2 });
    expect(parseStoredCart(JSON.stringify(cart))).toEqual(cart);
  });

  it("ignores garbage and drops malformed lines", () => {
    expect(parseStoredCart(null)).toEqual(EMPTY_CART);
    expect(parseStoredCart("{not json")).toEqual(EMPTY_CART);
    expect(parseStoredCart('"text"')).toEqual(EMPTY_CART);
    const raw = JSON.stringify({
      lines: [
        { productId: "p1", name: "Mug", unitPrice: { amount_minor: 1999, currency: "USD" }, quantity: 500 },
        { productId: "p1", name: "Dup", unitPrice: { amount_minor: 1, currency: "USD" }, quantity: 1 },
        { productId: "p2", name: "Bad price", unitPrice: { amount_minor: 1.5, currency: "USD" }, quantity: 1 },
        { productId: "p3", name: "No quantity", unitPrice: { amount_minor: 1, currency: "USD" } },
        null,
      ],
    });
    expect(parseStoredCart(raw).lines).toEqual([
      { productId: "p1", name: "Mug", unitPrice: { amount_minor: 1999, currency: "USD" }, quantity: MAX_QUANTITY },
    ]);
  });
});
