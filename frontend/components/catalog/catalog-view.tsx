import { buttonClass } from "@/components/ui/button";
import type { SearchResults } from "@/lib/api/types";
import { categoryTrail } from "@/lib/catalog/categories";
import {
  type CatalogQuery,
  EMPTY_QUERY,
  catalogHref,
  hasFilters,
  withCursor,
  withoutFilters,
} from "@/lib/catalog/query";
import { pluralize } from "@/lib/format";
import { ActiveFilters } from "./active-filters";
import { CatalogFilters } from "./catalog-filters";
import { CatalogLink, CatalogNavigationProvider, PendingRegion } from "./catalog-navigation";
import { FiltersDisclosure } from "./filters-disclosure";
import { ProductGrid } from "./product-card";
import { SearchBox } from "./search-box";
import { SortSelect } from "./sort-select";

/** The plain catalog, first page: the only state that shows the shop's welcome. */
function isLanding(query: CatalogQuery): boolean {
  return catalogHref(query) === "/";
}

function filterCount(query: CatalogQuery): number {
  return [query.category !== null, query.priceMin !== null || query.priceMax !== null, query.inStock].filter(Boolean)
    .length;
}

/**
 * The catalog page: search box, filters with their counts, the sort, one page of results
 * and the way to the next. Everything it shows follows from `query`, i.e. from the URL.
 */
export function CatalogView({ query, results }: { query: CatalogQuery; results: SearchResults }) {
  const landing = isLanding(query);
  const trail = categoryTrail(results.categories, query.category);
  const category = trail.at(-1);
  const title = query.q ? `Results for “${query.q}”` : (category?.name ?? "All products");
  const Title = landing ? "h2" : "h1";
  const categoryNames = new Map(results.categories.map((c) => [c.id, c.name]));

  return (
    <CatalogNavigationProvider>
      {landing ? (
        <section className="border-b border-slate-200 bg-white">
          <div className="container-page flex flex-col gap-3 py-10 sm:py-14">
            <p className="text-sm font-semibold uppercase tracking-wider text-brand-600">New season, same fair prices</p>
            <h1 className="max-w-2xl text-3xl font-bold tracking-tight text-slate-900 sm:text-4xl">
              Everyday goods, carefully picked and shipped fast.
            </h1>
            <p className="max-w-xl text-slate-600">
              Free returns within 30 days. Pay securely by card — we never store your card number.
            </p>
          </div>
        </section>
      ) : null}
      <div className="container-page py-8">
        <div className="mb-8 max-w-3xl">
          <SearchBox query={query} categoryNames={categoryNames} />
        </div>
        <div className="grid gap-6 lg:grid-cols-[15rem_minmax(0,1fr)] lg:gap-10">
          <aside aria-label="Filters">
            <FiltersDisclosure active={filterCount(query)}>
              <CatalogFilters query={query} results={results} />
            </FiltersDisclosure>
          </aside>
          <section aria-labelledby="results-heading" className="min-w-0">
            <div className="mb-4 flex flex-wrap items-end justify-between gap-4">
              <div className="min-w-0">
                {trail.length > 1 ? (
                  <p className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">
                    {trail
                      .slice(0, -1)
                      .map((c) => c.name)
                      .join(" / ")}
                  </p>
                ) : null}
                <Title id="results-heading" className="break-words text-2xl font-bold tracking-tight text-slate-900">
                  {title}
                </Title>
                <p role="status" className="mt-1 text-sm text-slate-600" data-testid="result-count">
                  {pluralize(results.total, "product")}
                  {query.q && category ? ` in ${category.name}` : ""}
                </p>
              </div>
              <SortSelect query={query} />
            </div>
            <div className="mb-5">
              <ActiveFilters query={query} categories={results.categories} />
            </div>
            <PendingRegion>
              {results.products.length > 0 ? (
                <ProductGrid products={results.products} className="grid-cols-2 lg:grid-cols-3" />
              ) : (
                <NoResults query={query} total={results.total} />
              )}
              <CatalogPages query={query} results={results} />
            </PendingRegion>
          </section>
        </div>
      </div>
    </CatalogNavigationProvider>
  );
}

/** Why a page holds no products, and the way back to some. */
function NoResults({ query, total }: { query: CatalogQuery; total: number }) {
  const box = "rounded-2xl border border-dashed border-slate-300 bg-white p-10 text-center";
  if (total > 0) {
    return (
      <div className={box}>
        <p className="text-slate-600">There are no more products on this page.</p>
        <CatalogLink href={catalogHref(withCursor(query, null))} className={buttonClass("secondary", "md", "mt-4")}>
          Back to the first page
        </CatalogLink>
      </div>
    );
  }
  if (!query.q && !hasFilters(query)) {
    return (
      <p className={`${box} text-slate-600`} data-testid="catalog-empty">
        The shelves are empty right now. Please come back soon.
      </p>
    );
  }
  const filtered = hasFilters(query);
  return (
    <div className={box} data-testid="no-results">
      <h2 className="text-lg font-semibold text-slate-900">
        {query.q ? `No products match “${query.q}”` : "No products match these filters"}
      </h2>
      <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">
        {query.q
          ? filtered
            ? "Try searching all categories and prices, check the spelling, or use fewer words."
            : "Check the spelling, use fewer or more general words, or browse the categories."
          : "Widen the price range or choose another category."}
      </p>
      <div className="mt-5 flex flex-wrap justify-center gap-3">
        {query.q && filtered ? (
          <CatalogLink href={catalogHref(withoutFilters(query))} className={buttonClass("primary")}>
            Search without filters
          </CatalogLink>
        ) : null}
        <CatalogLink href={catalogHref(query.q ? EMPTY_QUERY : withoutFilters(query))} className={buttonClass("secondary")}>
          {query.q ? "Clear search and filters" : "Clear filters"}
        </CatalogLink>
      </div>
    </div>
  );
}

function CatalogPages({ query, results }: { query: CatalogQuery; results: SearchResults }) {
  if (!query.cursor && !results.nextCursor) return null;
  return (
    <nav aria-label="Catalog pages" className="mt-10 flex flex-wrap items-center justify-center gap-3">
      {query.cursor ? (
        <CatalogLink href={catalogHref(withCursor(query, null))} className={buttonClass("secondary")}>
          ← First page
        </CatalogLink>
      ) : null}
      {results.nextCursor ? (
        <CatalogLink href={catalogHref(withCursor(query, results.nextCursor))} className={buttonClass("secondary")}>
          Next page →
        </CatalogLink>
      ) : null}
    </nav>
  );
}
