"use client";

import { useId } from "react";
import { type CatalogQuery, SORTS, type Sort, withChanges } from "@/lib/catalog/query";
import { useCatalogNavigation } from "./catalog-navigation";

const LABELS: Record<Sort, string> = {
  relevance: "Best match",
  price_asc: "Price: low to high",
  price_desc: "Price: high to low",
  newest: "Newest first",
  name: "Name: A to Z",
};

/** Changing the order starts again at the first page: a cursor only fits its own sort. */
export function SortSelect({ query }: { query: CatalogQuery }) {
  const id = useId();
  const { go } = useCatalogNavigation();
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="whitespace-nowrap text-sm font-medium text-slate-700">
        Sort by
      </label>
      <select
        id={id}
        name="sort"
        value={query.sort}
        onChange={(e) => go(withChanges(query, { sort: e.target.value as Sort }))}
        className="select-chevron block rounded-lg border border-slate-300 bg-white py-2 pl-3 text-sm text-slate-900 shadow-sm focus:border-brand-500 focus:outline-2 focus:outline-offset-0 focus:outline-brand-200"
      >
        {SORTS.map((sort) => (
          <option key={sort} value={sort}>
            {/* Without words the API's default order is the order products were added in. */}
            {sort === "relevance" && !query.q ? "Catalog order" : LABELS[sort]}
          </option>
        ))}
      </select>
    </div>
  );
}
