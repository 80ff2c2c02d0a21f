import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { PageLinks } from "@/components/admin/page-links";
import { StockHistory } from "@/components/admin/stock-history";
import { StockLevelPanel } from "@/components/admin/stock-level-panel";
import { parseHistoryCursor, stockHistoryHref } from "@/lib/admin/list-query";
import { productLabel } from "@/lib/admin/stock-level";
import { getAdminProduct, getStockHistory, getStockLevel } from "@/lib/api/server";
import { redirectIfUnauthorized, requireAdmin } from "@/lib/auth-guard";

export const metadata: Metadata = { title: "Product stock" };

type Props = {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

/** One product's stock, the dialogs that change it, and every movement it went through, newest first. */
export default async function ProductStockPage({ params, searchParams }: Props) {
  const { id } = await params;
  const cursor = parseHistoryCursor(await searchParams);
  const path = stockHistoryHref(id, cursor);
  const { token, user } = await requireAdmin(path);
  let loaded;
  try {
    // The history of an id inventory does not know is a 404 too: ask for the level first.
    const level = await getStockLevel(token, id);
    if (level) {
      const [product, history] = await Promise.all([getAdminProduct(token, id), getStockHistory(token, id, { cursor })]);
      loaded = { level, product, history };
    }
  } catch (e) {
    redirectIfUnauthorized(e, path);
    throw e;
  }
  if (!loaded) notFound();
  const { level, product, history } = loaded;
  const name = productLabel(id, product);
  return (
    <div>
      <Link href="/admin/stock" className="mb-2 inline-block text-sm font-medium text-brand-700 hover:underline">
        ← Stock
      </Link>
      <div className="mb-6 flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold tracking-tight text-slate-900">{name}</h1>
          {product ? <p className="mt-1 font-mono text-xs text-slate-600">{product.sku}</p> : null}
        </div>
        {product ? (
          <Link href={`/admin/products/${id}`} className="text-sm font-medium text-brand-700 hover:underline">
            Edit the product
          </Link>
        ) : null}
      </div>
      <StockLevelPanel productName={name} initial={level} />
      <section aria-labelledby="history-title">
        <h2 id="history-title" className="mb-3 text-base font-semibold text-slate-900">
          History
        </h2>
        {history.movements.length === 0 ? (
          <p className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center text-slate-700">
            No movements on this page.
          </p>
        ) : (
          <StockHistory movements={history.movements} admin={user} />
        )}
        <PageLinks
          label="History pages"
          cursor={cursor}
          nextCursor={history.nextCursor}
          href={(next) => stockHistoryHref(id, next)}
        />
      </section>
    </div>
  );
}
