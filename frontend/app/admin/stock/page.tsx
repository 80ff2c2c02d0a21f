import type { Metadata } from "next";
import { FilterLinks } from "@/components/admin/filter-links";
import { PageLinks } from "@/components/admin/page-links";
import { StockTable } from "@/components/admin/stock-table";
import { Alert } from "@/components/ui/alert";
import { parseStockListQuery, stockListHref } from "@/lib/admin/list-query";
import { listStockAlerts, listStockLevels } from "@/lib/api/server";
import type { StockPage } from "@/lib/api/types";
import { loadAsAdmin } from "@/lib/auth-guard";

export const metadata: Metadata = { title: "Stock" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/**
 * Every product's units (on hand, held for orders, set aside, available) with its low-stock
 * level, a page at a time, or only the products low on stock; the filter and page are in the URL.
 */
export default async function AdminStockPage({ searchParams }: Props) {
  const query = parseStockListQuery(await searchParams);
  const here = stockListHref(query);
  const { data: page, failure } = await loadAsAdmin<StockPage>(here, async (token) =>
    query.low ? { rows: await listStockAlerts(token), nextCursor: null } : listStockLevels(token, query),
  );
  return (
    <div>
      <div className="mb-6">
        <h1 className="text-2xl font-bold tracking-tight text-slate-900">Stock</h1>
        <p className="mt-1 text-sm text-slate-600">
          Restock, count or write off units with a reason, set units aside as unavailable, and set the level at which a product counts as low.
        </p>
      </div>
      <FilterLinks
        label="Stock filter"
        links={[
          { href: stockListHref({ low: false, cursor: null }), label: "All products", current: !query.low },
          { href: stockListHref({ low: true, cursor: null }), label: "Low stock only", current: query.low },
        ]}
      />
      {failure !== null || !page ? (
        <Alert tone="error" title="We couldn't load the stock levels">
          {failure}
        </Alert>
      ) : (
        <>
          {page.rows.length === 0 ? (
            <p className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center text-slate-700">
              {query.low ? "No product is low on stock." : "No products have stock yet."}
            </p>
          ) : (
            // A new page or filter starts from the server's answer.
            <StockTable key={here} initial={page.rows} />
          )}
          <PageLinks
            label="Stock pages"
            cursor={query.cursor}
            nextCursor={page.nextCursor}
            href={(cursor) => stockListHref({ ...query, cursor })}
          />
        </>
      )}
    </div>
  );
}
