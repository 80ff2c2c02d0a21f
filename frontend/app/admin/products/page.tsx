import type { Metadata } from "next";
import Link from "next/link";
import { ProductStatusBadge } from "@/components/admin/product-status-badge";
import { PageLinks } from "@/components/admin/page-links";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { TextField, SelectField } from "@/components/ui/field";
import { adminListHref, parseAdminListQuery } from "@/lib/admin/list-query";
import { listAdminProducts } from "@/lib/api/server";
import { loadAsAdmin } from "@/lib/auth-guard";
import { pluralize } from "@/lib/format";
import { formatMoney } from "@/lib/money";

export const metadata: Metadata = { title: "Products" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** Every product an admin may see, searched and filtered by status; all state in the URL. */
export default async function AdminProductsPage({ searchParams }: Props) {
  const query = parseAdminListQuery(await searchParams);
  const here = adminListHref(query);
  const { data: page, failure } = await loadAsAdmin(here, (token) => listAdminProducts(token, query));
  return (
    <div>
      <div className="mb-6 flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold tracking-tight text-slate-900">Products</h1>
        <Link href="/admin/products/new" className={buttonClass("primary")}>
          New product
        </Link>
      </div>
      <form
        action="/admin/products"
        method="get"
        role="search"
        aria-label="Filter products"
        className="mb-6 grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-[minmax(0,1fr)_12rem_auto] sm:items-end"
      >
        <TextField id="q" name="q" type="search" label="Search" defaultValue={query.q} placeholder="Name, SKU, attribute…" />
        <SelectField id="status" name="status" label="Status" defaultValue={query.status ?? ""}>
          <option value="">All (not deleted)</option>
          <option value="draft">Draft</option>
          <option value="active">Active</option>
          <option value="archived">Archived</option>
          <option value="deleted">Deleted</option>
        </SelectField>
        <button type="submit" className={buttonClass("secondary")}>
          Apply
        </button>
      </form>
      {failure !== null || !page ? (
        <Alert tone="error" title="We couldn't load the products">
          {failure}
        </Alert>
      ) : (
        <>
          <p className="mb-3 text-sm text-slate-600" data-testid="admin-result-count">
            {pluralize(page.total, "product")}
          </p>
          {page.products.length === 0 ? (
            <p className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center text-slate-700">
              No products match.
            </p>
          ) : (
            <div tabIndex={0} role="region" aria-label="Products table" className="overflow-x-auto rounded-xl border border-slate-200 bg-white">
              <table className="w-full min-w-[40rem] text-left text-sm">
                <caption className="sr-only">Products</caption>
                <thead className="border-b border-slate-200 bg-slate-50 text-xs font-semibold uppercase tracking-wide text-slate-600">
                  <tr>
                    <th scope="col" className="px-4 py-3">Name</th>
                    <th scope="col" className="px-4 py-3">SKU</th>
                    <th scope="col" className="px-4 py-3 text-right">Price</th>
                    <th scope="col" className="px-4 py-3">Status</th>
                    <th scope="col" className="px-4 py-3 text-right">Available</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {page.products.map((product) => (
                    <tr key={product.id} data-testid="admin-product-row">
                      <td className="px-4 py-3 font-medium">
                        <Link href={`/admin/products/${product.id}`} className="text-brand-700 hover:underline">
                          {product.name}
                        </Link>
                      </td>
                      <td className="px-4 py-3 font-mono text-xs text-slate-700">{product.sku}</td>
                      <td className="px-4 py-3 text-right tabular-nums">{formatMoney(product.price)}</td>
                      <td className="px-4 py-3">
                        <ProductStatusBadge status={query.status === "deleted" ? "deleted" : product.status} />
                      </td>
                      <td className="px-4 py-3 text-right tabular-nums">{product.available}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <PageLinks
            label="Product pages"
            cursor={query.cursor}
            nextCursor={page.nextCursor}
            href={(cursor) => adminListHref({ ...query, cursor })}
          />
        </>
      )}
    </div>
  );
}
