import type { SearchResults } from "@/lib/api/types";
import { type CatalogQuery, bandLabel, bandRange, catalogHref, isBandSelected, withChanges } from "@/lib/catalog/query";
import { CatalogLink } from "./catalog-navigation";
import { CategoryNav } from "./category-nav";
import { PriceRangeForm } from "./price-range-form";
import { StockFilter } from "./stock-filter";

function Section({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <section aria-labelledby={id} className="border-t border-slate-200 pt-5">
      <h2 id={id} className="mb-3 text-sm font-semibold text-slate-900">
        {title}
      </h2>
      {children}
    </section>
  );
}

/** The side panel: categories, price (bands and a typed range) and availability, each with its counts. */
export function CatalogFilters({ query, results }: { query: CatalogQuery; results: SearchResults }) {
  return (
    <div className="space-y-5">
      <CategoryNav query={query} categories={results.categories} />
      <Section id="price-filter-heading" title="Price">
        <ul className="mb-4 space-y-0.5" data-testid="price-bands">
          {results.priceBands.map((band) => {
            const selected = isBandSelected(query, band);
            const label = bandLabel(band);
            const count = (
              <span className="shrink-0 text-xs tabular-nums text-slate-500">
                <span className="sr-only">(</span>
                {band.count}
                <span className="sr-only">{band.count === 1 ? " product)" : " products)"}</span>
              </span>
            );
            const look = "flex items-center justify-between gap-2 rounded-lg px-2.5 py-1.5 text-sm";
            return (
              <li key={band.min}>
                {band.count > 0 || selected ? (
                  <CatalogLink
                    // A chosen band clicked again is let go.
                    href={catalogHref(withChanges(query, selected ? { priceMin: null, priceMax: null } : bandRange(band)))}
                    aria-current={selected ? "true" : undefined}
                    className={`${look} ${selected ? "bg-brand-50 font-semibold text-brand-700" : "text-slate-700 hover:bg-slate-100"}`}
                  >
                    <span>{label}</span>
                    {count}
                  </CatalogLink>
                ) : (
                  <span className={`${look} text-slate-500`}>
                    <span>{label}</span>
                    {count}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
        <PriceRangeForm query={query} />
      </Section>
      <Section id="availability-filter-heading" title="Availability">
        <StockFilter
          query={query}
          inStock={results.availability.inStock}
          outOfStock={results.availability.outOfStock}
        />
      </Section>
    </div>
  );
}
