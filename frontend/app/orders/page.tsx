import type { Metadata } from "next";
import Link from "next/link";
import { OrderFilterForm } from "@/components/orders/order-filter-form";
import { OrderHistory } from "@/components/orders/order-history";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { PageTitle } from "@/components/ui/page-title";
import { requireToken } from "@/lib/auth-guard";
import { isFiltered, orderListHref, parseOrderListQuery } from "@/lib/order-filter";
import { loadOrderList } from "@/lib/order-list";

export const metadata: Metadata = { title: "Your orders" };

/** The shopper's orders, newest first, narrowed by status and days; filter and page are in the URL. */
export default async function OrdersPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const query = parseOrderListQuery(await searchParams);
  const here = orderListHref("/orders", query);
  const token = await requireToken(here);
  const filtered = isFiltered(query.filter);
  const { page, refusal } = await loadOrderList(token, query, here);
  return (
    <div className="container-page py-10">
      <PageTitle>Your orders</PageTitle>
      <OrderFilterForm action="/orders" filter={query.filter} />
      {!page ? (
        <Alert tone="error" title="We couldn't load your orders">
          {refusal}
        </Alert>
      ) : page.orders.length === 0 ? (
        <div className="rounded-2xl border border-dashed border-slate-300 bg-white p-10 text-center">
          <p className="text-lg font-medium text-slate-900">
            {query.cursor ? "No more orders" : filtered ? "No orders match these filters" : "No orders yet"}
          </p>
          {filtered ? (
            <Link href="/orders" className={buttonClass("secondary", "md", "mt-6")}>
              Show every order
            </Link>
          ) : (
            <Link href="/" className={buttonClass("primary", "md", "mt-6")}>
              Start shopping
            </Link>
          )}
        </div>
      ) : (
        <OrderHistory orders={page.orders} />
      )}
      <nav aria-label="Order pages" className="mt-8 flex justify-center gap-3">
        {query.cursor ? (
          <Link href={orderListHref("/orders", { ...query, cursor: null })} className={buttonClass("secondary")}>
            ← Newest orders
          </Link>
        ) : null}
        {page?.nextCursor ? (
          <Link href={orderListHref("/orders", { ...query, cursor: page.nextCursor })} className={buttonClass("secondary")}>
            Older orders →
          </Link>
        ) : null}
      </nav>
    </div>
  );
}
