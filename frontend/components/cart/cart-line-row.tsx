"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import useSWR from "swr";
import { ProductArt } from "@/components/catalog/product-art";
import { ProductCover } from "@/components/catalog/product-picture";
import { fetchProduct, keys } from "@/lib/api/browser";
import { ApiError } from "@/lib/api/problem";
import { type CartAction, type CartLine, MAX_QUANTITY, lineTotal } from "@/lib/cart/reducer";
import { formatMoney } from "@/lib/money";

/** One cart line; it re-reads the product so price and stock shown are current. */
export function CartLineRow({ line, dispatch }: { line: CartLine; dispatch: (a: CartAction) => void }) {
  const { data: product, error } = useSWR(keys.product(line.productId), () => fetchProduct(line.productId), {
    revalidateOnFocus: false,
  });
  const [draft, setDraft] = useState(String(line.quantity));
  const [lastQuantity, setLastQuantity] = useState(line.quantity);
  if (lastQuantity !== line.quantity) {
    setLastQuantity(line.quantity);
    setDraft(String(line.quantity));
  }

  useEffect(() => {
    if (product) dispatch({ type: "refresh", product: { id: product.id, name: product.name, price: product.price } });
  }, [product, dispatch]);

  const gone = error instanceof ApiError && error.status === 404;
  const inputId = `qty-${line.productId}`;
  const shortBy = product && line.quantity > product.available ? product.available : null;

  return (
    <li className="flex gap-4 py-5" data-testid="cart-line">
      <div className="w-20 shrink-0 overflow-hidden rounded-xl border border-slate-200 sm:w-28">
        {product ? (
          <ProductCover product={product} size="thumb" />
        ) : (
          <ProductArt sku={line.productId} name={line.name} />
        )}
      </div>
      <div className="flex min-w-0 flex-1 flex-col gap-2 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <h2 className="font-semibold text-slate-900">
            <Link href={`/products/${line.productId}`} className="hover:underline">
              {line.name}
            </Link>
          </h2>
          <p className="text-sm text-slate-500">{formatMoney(line.unitPrice)} each</p>
          {gone ? (
            <p className="mt-1 text-sm font-medium text-red-700">This product is no longer sold. Please remove it.</p>
          ) : shortBy !== null ? (
            <p className="mt-1 text-sm font-medium text-amber-700">
              {shortBy === 0 ? "Out of stock right now." : `Only ${shortBy} in stock right now.`}
            </p>
          ) : null}
        </div>
        <div className="flex items-center gap-4 sm:flex-col sm:items-end sm:gap-2">
          <p className="font-semibold text-slate-900" data-testid="line-total">
            {formatMoney(lineTotal(line))}
          </p>
          <div className="flex items-center gap-2">
            <label htmlFor={inputId} className="sr-only">
              Quantity of {line.name}
            </label>
            <input
              id={inputId}
              type="number"
              inputMode="numeric"
              min={1}
              max={MAX_QUANTITY}
              value={draft}
              onChange={(e) => {
                setDraft(e.target.value);
                const n = Number(e.target.value);
                if (Number.isInteger(n) && n >= 1) {
                  dispatch({ type: "setQuantity", productId: line.productId, quantity: n });
                }
              }}
              onBlur={() => setDraft(String(line.quantity))}
              className="w-20 rounded-lg border border-slate-300 px-2 py-1.5 text-center text-sm shadow-sm"
            />
            <button
              type="button"
              onClick={() => dispatch({ type: "remove", productId: line.productId })}
              className="rounded-lg px-2 py-1.5 text-sm font-medium text-slate-500 hover:bg-red-50 hover:text-red-700"
              aria-label={`Remove ${line.name} from cart`}
            >
              Remove
            </button>
          </div>
        </div>
      </div>
    </li>
  );
}
