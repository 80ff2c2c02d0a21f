import type { Metadata } from "next";
import Link from "next/link";
import { OrderHistory } from "@/components/orders/order-history";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { PageTitle } from "@/components/ui/page-title";
import { ApiError } from "@/lib/api/problem";
import { listOrders } from "@/lib/api/server";
import { redirectIfUnauthorized, requireToken } from "@/lib/auth-guard";

export const metadata: Metadata = { title: "Your orders" };

export default async function OrdersPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const token = await requireToken("/orders");
  const params = await searchParams;
  const cursor = typeof params.cursor === "string" ? params.cursor : null;
  let page;
  try {
    page = await listOrders(token, { cursor });
  } catch (e) {
    redirectIfUnauthorized(e, "/orders");
    if (!(e instanceof ApiError)) throw e;
    return (
      <div className="container-page py-12">
        <Alert tone="error" title="We couldn't load your orders">
          {e.detail}
        </Alert>
      </div>
    );
  }
  return (
    <div className="container-page py-10">
      <PageTitle>Your orders</PageTitle>
      {page.orders.length === 0 ? (
        <div className="rounded-2xl border border-dashed border-slate-300 bg-white p-10 text-center">
          <p className="text-lg font-medium text-slate-900">{cursor ? "No more orders" : "No orders yet"}</p>
          <Link href="/" className={buttonClass("primary", "md", "mt-6")}>
            Start shopping
          </Link>
        </div>
      ) : (
        <OrderHistory orders={page.orders} />
      )}
      <nav aria-label="Order pages" className="mt-8 flex justify-center gap-3">
        {cursor ? (
          <Link href="/orders" className={buttonClass("secondary")}>
            ← Newest orders
          </Link>
        ) : null}
        {page.nextCursor ? (
          <Link href={`/orders?cursor=${encodeURIComponent(page.nextCursor)}`} className={buttonClass("secondary")}>
            Older orders →
          </Link>
        ) : null}
      </nav>
    </div>
  );
}
