import type { CategoryCount } from "@/lib/api/types";
import { visibleCategories } from "@/lib/catalog/categories";
import { type CatalogQuery, catalogHref, withChanges } from "@/lib/catalog/query";
import { CatalogLink } from "./catalog-navigation";

const row = "flex items-center justify-between gap-2 rounded-lg px-2.5 py-1.5 text-sm";

/**
 * The category tree, indented by depth, with how many matches each category (and those
 * below it) holds under the other filters; the chosen one is marked as the current page.
 */
export function CategoryNav({ query, categories }: { query: CatalogQuery; categories: readonly CategoryCount[] }) {
  const shown = visibleCategories(categories, query.category);
  return (
    <nav aria-labelledby="category-nav-heading">
      <h2 id="category-nav-heading" className="mb-2 text-sm font-semibold text-slate-900">
        Categories
      </h2>
      <ul className="space-y-0.5" data-testid="category-nav">
        <li>
          <CatalogLink
            href={catalogHref(withChanges(query, { category: null }))}
            aria-current={query.category === null ? "page" : undefined}
            className={`${row} ${query.category === null ? "bg-brand-50 font-semibold text-brand-700" : "text-slate-700 hover:bg-slate-100"}`}
          >
            All categories
          </CatalogLink>
        </li>
        {shown.map((category) => {
          const active = category.id === query.category;
          return (
            <li key={category.id} style={{ paddingInlineStart: `${category.depth * 0.875}rem` }}>
              <CatalogLink
                href={catalogHref(withChanges(query, { category: category.id }))}
                aria-current={active ? "page" : undefined}
                className={`${row} ${active ? "bg-brand-50 font-semibold text-brand-700" : "text-slate-700 hover:bg-slate-100"}`}
              >
                <span className="min-w-0 truncate">{category.name}</span>
                <span className={`shrink-0 text-xs tabular-nums ${active ? "text-brand-700" : "text-slate-500"}`}>
                  <span className="sr-only">(</span>
                  {category.count}
                  <span className="sr-only">{category.count === 1 ? " product)" : " products)"}</span>
                </span>
              </CatalogLink>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
