import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { OrderLive } from "@/components/orders/order-live";
import { Alert } from "@/components/ui/alert";
import { ApiError } from "@/lib/api/problem";
import { getOrder, getShipment } from "@/lib/api/server";
import { redirectIfUnauthorized, requireToken } from "@/lib/auth-guard";

export const metadata: Metadata = { title: "Your order" };

export default async function OrderPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const path = `/orders/${encodeURIComponent(id)}`;
  const token = await requireToken(path);
  let order;
  try {
    order = await getOrder(token, id);
  } catch (e) {
    redirectIfUnauthorized(e, path);
    if (!(e instanceof ApiError)) throw e;
    return (
      <div className="container-page py-12">
        <Alert tone="error" title="We couldn't load this order">
          {e.detail}
        </Alert>
      </div>
    );
  }
  if (!order) notFound();
  // The parcel is extra: without it the page still shows the order, and asks again from the browser.
  const shipment = order.shipmentId ? await getShipment(token, order.shipmentId).catch(() => null) : null;
  return (
    <div className="container-page py-10">
      <OrderLive initial={order} shipment={shipment} />
    </div>
  );
}
