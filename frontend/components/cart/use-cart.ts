"use client";

import { useSyncExternalStore } from "react";
import type { CartAction, CartState } from "@/lib/cart/reducer";
import { dispatch, getServerSnapshot, getSnapshot, subscribe } from "@/lib/cart/store";

/** The shopper's cart and a dispatcher; renders empty on the server and during hydration. */
export function useCart(): [CartState, (action: CartAction) => void] {
  const cart = useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot);
  return [cart, dispatch];
}

const noopSubscribe = () => () => {};

/** False while rendering on the server or hydrating, so localStorage-backed UI can wait. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noopSubscribe,
    () => true,
    () => false,
  );
}
