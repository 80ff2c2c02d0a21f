/**
 * The browser's cart: the reducer's state kept in localStorage so it
 * survives reloads, shared between tabs through the `storage` event, and
 * exposed as an external store for `useSyncExternalStore`.
 */
import { type CartAction, type CartState, EMPTY_CART, cartReducer, parseStoredCart } from "./reducer";

export const STORAGE_KEY = "emporium.cart.v1";

let state: CartState | null = null;
const listeners = new Set<() => void>();

function load(): CartState {
  if (state === null) {
    try {
      state = parseStoredCart(window.localStorage.getItem(STORAGE_KEY));
    } catch {
      state = EMPTY_CART;
    }
  }
  return state;
}

function emit() {
  for (const listener of listeners) listener();
}

function onStorage(event: StorageEvent) {
  if (event.key !== null && event.key !== STORAGE_KEY) return;
  state = parseStoredCart(event.newValue);
  emit();
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener("storage", onStorage);
  };
}

export function getSnapshot(): CartState {
  return load();
}

/** The server knows nothing about a visitor's cart; it renders an empty one. */
export function getServerSnapshot(): CartState {
  return EMPTY_CART;
}

export function dispatch(action: CartAction) {
  const next = cartReducer(load(), action);
  if (next === state) return;
  state = next;
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  } catch {
    // Storage full or disabled: the cart still works for this page view.
  }
  emit();
}
