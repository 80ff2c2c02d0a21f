import type { CategoryCount } from "@/lib/api/types";
import {
  type CatalogQuery,
  catalogHref,
  hasFilters,
  priceRangeLabel,
  withChanges,
  withoutFilters,
} from "@/lib/catalog/query";
import { CatalogLink } from "./catalog-navigation";

function Chip({ href, label, what }: { href: string; label: string; what: string }) {
  return (
    <li>
      <CatalogLink
        href={href}
        aria-label={`Remove ${what}: ${label}`}
        className="inline-flex items-center gap-1.5 rounded-full border border-slate-300 bg-white py-1 pl-3 pr-2 text-xs font-medium text-slate-700 hover:border-slate-400 hover:bg-slate-50"
      >
        {label}
        <span aria-hidden="true" className="text-slate-400">
          ✕
        </span>
      </CatalogLink>
    </li>
  );
}

/** The words and filters in force, each removable on its own, and one link to drop all filters. */
export function ActiveFilters({ query, categories }: { query: CatalogQuery; categories: readonly CategoryCount[] }) {
  if (!query.q && !hasFilters(query)) return null;
  const category = query.category ? categories.find((c) => c.id === query.category) : undefined;
  return (
    <div className="flex flex-wrap items-center gap-2">
      <ul aria-label="Active filters" className="flex flex-wrap items-center gap-2">
        {query.q ? <Chip href={catalogHref(withChanges(query, { q: "" }))} label={`“${query.q}”`} what="search" /> : null}
        {query.category ? (
          <Chip
            href={catalogHref(withChanges(query, { category: null }))}
            label={category?.name ?? "Unknown category"}
            what="category"
          />
        ) : null}
        {query.priceMin !== null || query.priceMax !== null ? (
          <Chip
            href={catalogHref(withChanges(query, { priceMin: null, priceMax: null }))}
            label={priceRangeLabel(query.priceMin, query.priceMax)}
            what="price"
          />
        ) : null}
        {query.inStock ? (
          <Chip href={catalogHref(withChanges(query, { inStock: false }))} label="In stock only" what="filter" />
        ) : null}
      </ul>
      {hasFilters(query) ? (
        <CatalogLink href={catalogHref(withoutFilters(query))} className="text-xs font-semibold text-brand-700 underline-offset-2 hover:underline">
          Clear filters
        </CatalogLink>
      ) : null}
    </div>
  );
}
