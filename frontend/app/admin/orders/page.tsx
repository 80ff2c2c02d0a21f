import type { Metadata } from "next";
import { PageLinks } from "@/components/admin/page-links";
import { OrderTable } from "@/components/admin/order-table";
import { OrderFilterForm } from "@/components/orders/order-filter-form";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { requireAdmin } from "@/lib/auth-guard";
import { filterParams, isFiltered, orderListHref, parseOrderListQuery } from "@/lib/order-filter";
import { loadOrderList, withCustomerByEmail } from "@/lib/order-list";

export const metadata: Metadata = { title: "Orders" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/**
 * Every customer's orders, newest first, narrowed by status, days placed, customer (by id
 * or email) and order number (all in the URL), with the same selection exported as CSV.
 */
export default async function AdminOrdersPage({ searchParams }: Props) {
  const query = parseOrderListQuery(await searchParams);
  const here = orderListHref("/admin/orders", query);
  const { token } = await requireAdmin(here);
  const resolved = await withCustomerByEmail(token, query.filter, here);
  const { page, refusal } = resolved.filter
    ? await loadOrderList(token, { ...query, filter: resolved.filter }, here)
    : { page: null, refusal: resolved.refusal };
  const exportHref = `/bff/api/v1/orders/export?${new URLSearchParams(filterParams(resolved.filter ?? query.filter))}`;
  return (
    <div>
      <div className="mb-6 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
        <div>
          <h1 className="text-2xl font-bold tracking-tight text-slate-900">Orders</h1>
          <p className="mt-1 text-sm text-slate-600">Every order, newest first. Open one to follow it, cancel it or see its history.</p>
        </div>
        {page ? (
          <a href={exportHref} download="orders.csv" className={buttonClass("secondary")}>
            Export CSV
          </a>
        ) : null}
      </div>
      <OrderFilterForm action="/admin/orders" filter={query.filter} admin />
      {!page ? (
        <Alert tone="error" title="We couldn't load the orders">
          {refusal}
        </Alert>
      ) : (
        <>
          {page.orders.length === 0 ? (
            <p className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center text-slate-700">
              {isFiltered(query.filter) ? "No orders match these filters." : "No orders yet."}
            </p>
          ) : (
            <OrderTable orders={page.orders} />
          )}
          <PageLinks
            label="Order pages"
            cursor={query.cursor}
            nextCursor={page.nextCursor}
            href={(cursor) => orderListHref("/admin/orders", { ...query, cursor })}
          />
        </>
      )}
    </div>
  );
}
