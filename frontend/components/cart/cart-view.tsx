"use client";

import Link from "next/link";
import { buttonClass } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { cartTotals, itemCount } from "@/lib/cart/reducer";
import { formatTotals } from "@/lib/money";
import { CartLineRow } from "./cart-line-row";
import { useCart, useHydrated } from "./use-cart";

export function CartView() {
  const [cart, dispatch] = useCart();
  const hydrated = useHydrated();

  if (!hydrated) {
    return (
      <div role="status" aria-busy="true" className="space-y-4">
        <span className="sr-only">Loading your cart…</span>
        <Skeleton className="h-24" />
        <Skeleton className="h-24" />
      </div>
    );
  }

  if (cart.lines.length === 0) {
    return (
      <div className="rounded-2xl border border-dashed border-slate-300 bg-white p-10 text-center">
        <p className="text-lg font-medium text-slate-900">Your cart is empty</p>
        <p className="mt-1 text-slate-600">Find something you like in the shop.</p>
        <Link href="/" className={buttonClass("primary", "md", "mt-6")}>
          Browse products
        </Link>
      </div>
    );
  }

  const count = itemCount(cart);
  return (
    <div className="grid gap-8 lg:grid-cols-[1fr_22rem]">
      <section aria-labelledby="cart-items" className="rounded-2xl border border-slate-200 bg-white px-5 shadow-sm">
        <h2 id="cart-items" className="sr-only">
          Items
        </h2>
        <ul className="divide-y divide-slate-200">
          {cart.lines.map((line) => (
            <CartLineRow key={line.productId} line={line} dispatch={dispatch} />
          ))}
        </ul>
      </section>
      <aside aria-labelledby="cart-summary" className="h-fit rounded-2xl border border-slate-200 bg-white p-6 shadow-sm lg:sticky lg:top-24">
        <h2 id="cart-summary" className="text-lg font-semibold text-slate-900">
          Summary
        </h2>
        <dl className="mt-4 space-y-2 text-sm">
          <div className="flex justify-between text-slate-600">
            <dt>Items</dt>
            <dd>{count}</dd>
          </div>
          <div className="flex justify-between border-t border-slate-200 pt-3 text-base font-semibold text-slate-900">
            <dt>Total</dt>
            <dd data-testid="cart-total">{formatTotals(cartTotals(cart))}</dd>
          </div>
        </dl>
        <Link href="/checkout" className={buttonClass("primary", "lg", "mt-6 w-full")}>
          Go to checkout
        </Link>
        <button
          type="button"
          onClick={() => dispatch({ type: "clear" })}
          className={buttonClass("ghost", "sm", "mt-3 w-full")}
        >
          Empty cart
        </button>
      </aside>
    </div>
  );
}
