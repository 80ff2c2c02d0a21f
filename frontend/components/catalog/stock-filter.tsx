"use client";

import { useId } from "react";
import { type CatalogQuery, withChanges } from "@/lib/catalog/query";
import { useCatalogNavigation } from "./catalog-navigation";

/** "In stock only", with how many matches each choice leaves. */
export function StockFilter({
  query,
  inStock,
  outOfStock,
}: {
  query: CatalogQuery;
  inStock: number;
  outOfStock: number;
}) {
  const id = useId();
  const { go } = useCatalogNavigation();
  return (
    <div>
      <div className="flex items-center justify-between gap-3">
        <div className="flex items-center gap-2">
          <input
            id={id}
            type="checkbox"
            name="in_stock"
            checked={query.inStock}
            onChange={(e) => go(withChanges(query, { inStock: e.target.checked }))}
            aria-describedby={`${id}-counts`}
            className="h-4 w-4 rounded border-slate-300 accent-brand-600"
          />
          <label htmlFor={id} className="text-sm text-slate-800">
            In stock only
          </label>
        </div>
        <span className="text-xs tabular-nums text-slate-500" aria-hidden="true">
          {inStock}
        </span>
      </div>
      <p id={`${id}-counts`} className="mt-1.5 text-xs text-slate-500" data-testid="availability-counts">
        {inStock} in stock, {outOfStock} out of stock
      </p>
    </div>
  );
}
