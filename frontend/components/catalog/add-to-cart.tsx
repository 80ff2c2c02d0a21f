"use client";

import Link from "next/link";
import { useId, useState } from "react";
import { buttonClass } from "@/components/ui/button";
import { useCart } from "@/components/cart/use-cart";
import type { Product } from "@/lib/api/types";
import { MAX_LINES, MAX_QUANTITY, clampQuantity } from "@/lib/cart/reducer";

/** Quantity picker and add button on the product page. */
export function AddToCart({ product }: { product: Product }) {
  const id = useId();
  const [cart, dispatch] = useCart();
  const [quantity, setQuantity] = useState(1);
  const [draft, setDraft] = useState("1");
  const [added, setAdded] = useState<number | null>(null);
  const soldOut = product.stockStatus === "out_of_stock";
  const inCart = cart.lines.find((l) => l.productId === product.id)?.quantity ?? 0;
  const cartFull = inCart === 0 && cart.lines.length >= MAX_LINES;

  function commit(value: number) {
    const q = clampQuantity(value);
    setQuantity(q);
    setDraft(String(q));
  }

  function add(event: React.FormEvent) {
    event.preventDefault();
    const q = clampQuantity(Number(draft) || quantity);
    commit(q);
    dispatch({ type: "add", product: { id: product.id, name: product.name, price: product.price }, quantity: q });
    setAdded(q);
  }

  if (soldOut) {
    return (
      <p className="rounded-xl border border-slate-200 bg-slate-50 p-4 text-sm text-slate-600">
        This product is out of stock right now. Please check back soon.
      </p>
    );
  }

  return (
    <form onSubmit={add} className="space-y-4">
      <div>
        <label htmlFor={`${id}-qty`} className="mb-1.5 block text-sm font-medium text-slate-700">
          Quantity
        </label>
        <div className="flex items-stretch gap-3">
          <div className="inline-flex items-stretch rounded-lg border border-slate-300 bg-white shadow-sm">
            <button
              type="button"
              className="px-3 text-lg text-slate-600 hover:bg-slate-50 disabled:opacity-40"
              onClick={() => commit(quantity - 1)}
              disabled={quantity <= 1}
              aria-label="Decrease quantity"
            >
              −
            </button>
            <input
              id={`${id}-qty`}
              name="quantity"
              type="number"
              inputMode="numeric"
              min={1}
              max={MAX_QUANTITY}
              value={draft}
              onChange={(e) => {
                setDraft(e.target.value);
                const n = Number(e.target.value);
                if (Number.isFinite(n) && n >= 1) setQuantity(clampQuantity(n));
              }}
              onBlur={() => commit(Number(draft) || 1)}
              aria-describedby={`${id}-qty-hint`}
              className="w-16 border-x border-slate-300 py-2 text-center text-sm font-medium [appearance:textfield] focus:outline-none [&::-webkit-inner-spin-button]:appearance-none"
            />
            <button
              type="button"
              className="px-3 text-lg text-slate-600 hover:bg-slate-50 disabled:opacity-40"
              onClick={() => commit(quantity + 1)}
              disabled={quantity >= MAX_QUANTITY}
              aria-label="Increase quantity"
            >
              +
            </button>
          </div>
          <button type="submit" className={buttonClass("primary", "lg", "flex-1 sm:flex-none")} disabled={cartFull}>
            Add to cart
          </button>
        </div>
        <p id={`${id}-qty-hint`} className="mt-2 text-xs text-slate-500">
          {quantity > product.available
            ? `Only ${product.available} in stock — an order for more will be cancelled.`
            : `Up to ${MAX_QUANTITY} per order.`}
        </p>
      </div>
      {cartFull ? (
        <p role="alert" className="text-sm text-red-700">
          Your cart already holds {MAX_LINES} different products, the most one order can take.
        </p>
      ) : null}
      <div aria-live="polite">
        {added !== null ? (
          <p className="flex flex-wrap items-center gap-x-3 gap-y-1 rounded-xl border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900">
            <span>
              Added {added} × {product.name} to your cart{inCart > added ? ` (${inCart} in cart)` : ""}.
            </span>
            <Link href="/cart" className="font-semibold text-emerald-800 underline underline-offset-2">
              View cart
            </Link>
          </p>
        ) : null}
      </div>
    </form>
  );
}
