import Link from "next/link";
import { ProductGrid } from "@/components/catalog/product-card";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { listProducts } from "@/lib/api/server";
import { ApiError } from "@/lib/api/problem";

export default async function HomePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const cursor = typeof params.cursor === "string" ? params.cursor : null;
  let page;
  try {
    page = await listProducts({ cursor });
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return (
      <div className="container-page py-12">
        <Alert tone="error" title="We couldn't load the catalog">
          {e.detail}
        </Alert>
      </div>
    );
  }

  return (
    <>
      {cursor ? null : (
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
      )}
      <div className="container-page py-10">
        <div className="mb-6 flex items-end justify-between gap-4">
          <h2 className="text-xl font-semibold text-slate-900">{cursor ? "More products" : "All products"}</h2>
          <p className="text-sm text-slate-500">{page.products.length} shown</p>
        </div>
        {page.products.length === 0 ? (
          <p className="rounded-xl border border-dashed border-slate-300 bg-white p-10 text-center text-slate-600">
            The shelves are empty right now. Please come back soon.
          </p>
        ) : (
          <ProductGrid products={page.products} />
        )}
        <nav aria-label="Catalog pages" className="mt-10 flex justify-center gap-3">
          {cursor ? (
            <Link href="/" className={buttonClass("secondary")}>
              ← First page
            </Link>
          ) : null}
          {page.nextCursor ? (
            <Link href={`/?cursor=${encodeURIComponent(page.nextCursor)}`} className={buttonClass("secondary")}>
              Next page →
            </Link>
          ) : null}
        </nav>
      </div>
    </>
  );
}
