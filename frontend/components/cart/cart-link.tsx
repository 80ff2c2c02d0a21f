"use client";

import Link from "next/link";
import { itemCount } from "@/lib/cart/reducer";
import { useCart, useHydrated } from "./use-cart";

/** Header cart button with the number of items, read from the local cart. */
export function CartLink() {
  const [cart] = useCart();
  const hydrated = useHydrated();
  const count = hydrated ? itemCount(cart) : 0;
  return (
    <Link
      href="/cart"
      className="relative inline-flex items-center gap-2 rounded-lg px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100"
      aria-label={`Cart, ${count} ${count === 1 ? "item" : "items"}`}
      data-testid="cart-link"
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="1.8">
        <path d="M3 4h2l2.4 11.2a2 2 0 0 0 2 1.6h7.7a2 2 0 0 0 2-1.5L21 8H6.2" strokeLinecap="round" strokeLinejoin="round" />
        <circle cx="10" cy="20" r="1.3" />
        <circle cx="17" cy="20" r="1.3" />
      </svg>
      <span className="hidden sm:inline">Cart</span>
      <span
        data-testid="cart-count"
        className={`min-w-5 rounded-full px-1.5 py-0.5 text-center text-xs font-semibold ${
          count > 0 ? "bg-brand-600 text-white" : "bg-slate-200 text-slate-600"
        }`}
      >
        {count}
      </span>
    </Link>
  );
}
